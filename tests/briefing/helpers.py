"""Shared helpers of the briefing tests: registers built through the repository, PDF reading."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf

from db import repository as repo
from db.models import EventCreate, PartnershipCreate, RiskCreate, StakeholderCreate

TODAY = dt.date.today()


def add(register: Any, kind: str, model: Any) -> Any:
    with register.write() as session:
        return repo.create(session, kind, model, actor="tester")


def stakeholder(register: Any, name: str, level: str = "UNCLASSIFIED", **kw: Any) -> Any:
    return add(register, "stakeholder", StakeholderCreate(name=name, classification=level, **kw))


def partnership(
    register: Any, name: str, partner_id: int, level: str = "UNCLASSIFIED", **kw: Any
) -> Any:
    return add(
        register,
        "partnership",
        PartnershipCreate(name=name, partner_id=partner_id, classification=level, **kw),
    )


def risk(register: Any, title: str, level: str = "UNCLASSIFIED", **kw: Any) -> Any:
    return add(register, "risk", RiskCreate(title=title, classification=level, **kw))


def text_risk(register: Any, n: int, text: str, partnership_id: int) -> Any:
    """The n-th risk of a text-printing test: ``text`` as its title and (cut) owner, a
    score that varies with n, linked to one partnership."""
    return risk(
        register,
        text,
        likelihood=1 + n % 5,
        impact=1 + (n * 2) % 5,
        owner=text[:50],
        partnership_ids=[partnership_id],
    )


def event(
    register: Any, title: str, level: str = "UNCLASSIFIED", days_ago: int = 1, **kw: Any
) -> Any:
    return add(
        register,
        "event",
        EventCreate(
            title=title, classification=level, occurred_on=TODAY - dt.timedelta(days=days_ago), **kw
        ),
    )


def page_texts(path: Path) -> list[str]:
    reader = pypdf.PdfReader(str(path))
    return [page.extract_text() or "" for page in reader.pages]


def outline_titles(path: Path) -> list[str]:
    reader = pypdf.PdfReader(str(path))
    out: list[str] = []

    def walk(items: Any) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append(str(item.title))

    walk(reader.outline)
    return out


def metadata_text(path: Path) -> str:
    reader = pypdf.PdfReader(str(path))
    meta = reader.metadata or {}
    return " ".join(f"{k}={v}" for k, v in meta.items())


def raw_streams(path: Path) -> bytes:
    """The file's bytes plus every stream object decoded (content streams, fonts' ToUnicode...)."""
    reader = pypdf.PdfReader(str(path))
    chunks = [path.read_bytes()]
    size = int(reader.trailer["/Size"])
    for num in range(1, size):
        try:
            obj = reader.get_object(pypdf.generic.IndirectObject(num, 0, reader))
        except Exception:
            continue
        if isinstance(obj, pypdf.generic.StreamObject):
            try:
                chunks.append(obj.get_data())
            except Exception:
                continue
    return b"\n".join(chunks)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------- tables read back


@dataclass(frozen=True)
class RegisterLine:
    """One row of the pack's risk register as the PDF's text shows it."""

    marking: str
    ref: str
    title: str
    inherent: tuple[int, int]
    inherent_score: int
    residual: tuple[int, int]
    residual_score: int
    band: str
    trend: str


_REGISTER_ROW = re.compile(
    r"\(([A-Z]+)\) (R-\d+)\n(.*?)\n([1-5])×([1-5])=(\d+)\n([1-5])×([1-5])=(\d+)\n"
    r"(Low|Medium|High|Critical)\n(new|▲|▼|=|—)\n",
    re.S,
)


def register_table(path: Path) -> list[RegisterLine]:
    """The rows of the "Risk register" section, in the order printed (highest residual first)."""
    pages = page_texts(path)
    text = "\n".join(t for t in pages if "Treatment and mitigation" in t)
    out = []
    for m in _REGISTER_ROW.finditer(text):
        g = m.groups()
        out.append(
            RegisterLine(
                marking=g[0],
                ref=g[1],
                title=squash(g[2]),
                inherent=(int(g[3]), int(g[4])),
                inherent_score=int(g[5]),
                residual=(int(g[6]), int(g[7])),
                residual_score=int(g[8]),
                band=g[9],
                trend=g[10],
            )
        )
    return out
