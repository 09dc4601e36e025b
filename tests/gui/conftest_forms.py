"""Fixtures and helpers of the record-form and undo tests (imported explicitly by them).

Kept apart from ``tests/gui/conftest.py`` (the main-window tests' file).  Every
prompt a form or an undo command can raise is replaced by a recorder, so a test
that meets an unexpected message box fails instead of hanging.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from db import repository
from db.engine import Register, open_register
from db.scales import DEFAULT_BANDS


@dataclass
class Prompts:
    """What the code under test asked or told the user, and the scripted answers."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    confirms: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[Any] = field(default_factory=list)
    confirm_answer: bool = False
    conflict_answer: str | None = None  # "reload" | "overwrite" | "cancel"


@pytest.fixture
def prompts(monkeypatch: pytest.MonkeyPatch) -> Prompts:
    from desktop import undo
    from desktop.dialogs import conflict

    recorded = Prompts()

    def show_error(title: str, text: str) -> None:
        recorded.errors.append((title, text))

    def confirm(title: str, text: str, action: str = "") -> bool:
        recorded.confirms.append((title, text))
        return recorded.confirm_answer

    def ask(parent: Any, error: Any) -> str:
        recorded.conflicts.append(error)
        if recorded.conflict_answer is None:
            raise AssertionError(f"unexpected conflict dialog: {error}")
        return recorded.conflict_answer

    monkeypatch.setattr(undo, "show_error", show_error)
    monkeypatch.setattr(undo, "confirm_overwrite", confirm)
    monkeypatch.setattr(conflict, "ask_conflict_choice", ask)
    return recorded


@pytest.fixture
def context(register: Register, qtbot: Any, prompts: Prompts) -> Iterator[Any]:
    """An AppContext on a fresh register, acting as "tester"."""
    from desktop.context import AppContext

    settings = SimpleNamespace(display_name="tester", bands=DEFAULT_BANDS)
    ctx = AppContext(register, settings)
    yield ctx
    ctx.undo_stack.clear()


@pytest.fixture
def other_user(db_path: Any, register: Register) -> Iterator[Register]:
    """A second connection to the same file: another user of a shared register."""
    reg = open_register(db_path)
    yield reg
    reg.dispose()


@dataclass
class Seed:
    stakeholder: int
    critic: int
    partnership: int
    risk: int
    event: int


@pytest.fixture
def seed(register: Register) -> Seed:
    from desktop.services import records as r

    sid, _ = r.create_record(
        register, "stakeholder", {"name": "Alliance HQ", "kind": "government"}, actor="alice"
    )
    cid, _ = r.create_record(
        register,
        "stakeholder",
        {"name": "AI researchers", "kind": "research_community", "stance": -1},
        actor="alice",
    )
    pid, _ = r.create_record(
        register,
        "partnership",
        {"name": "Alliance pilot", "partner_id": sid, "status": "exploring"},
        actor="alice",
    )
    rid, _ = r.create_record(
        register,
        "risk",
        {
            "title": "Loss of researcher trust",
            "likelihood": 4,
            "impact": 4,
            "partnership_ids": [pid],
            "stakeholder_ids": [cid],
        },
        actor="alice",
    )
    eid, _ = r.create_record(
        register,
        "event",
        {
            "title": "Open letter against the pilot",
            "occurred_on": dt.date(2026, 3, 3),
            "kind": "criticism",
            "stakeholder_id": cid,
            "partnership_id": pid,
            "risk_ids": [rid],
        },
        actor="alice",
    )
    return Seed(sid, cid, pid, rid, eid)


def register_state(register: Register) -> dict[str, dict[str, Any]]:
    """Every record's user-visible values and bookkeeping, by ref: what undo must restore."""
    out: dict[str, dict[str, Any]] = {}
    with register.session() as session:
        for kind, spec in repository.KINDS.items():
            table: Any = spec.table
            for record in session.execute(select(table).order_by(table.id)).scalars():
                out[record.ref] = {"id": record.id, **repository.values(session, kind, record)}
    return out


def versions(register: Register) -> dict[str, int]:
    with register.session() as session:
        out: dict[str, int] = {}
        for spec in repository.KINDS.values():
            table: Any = spec.table
            out.update({r.ref: r.version for r in session.execute(select(table)).scalars()})
        return out


def record_values(register: Register, kind: str, record_id: int) -> dict[str, Any]:
    with register.session() as session:
        return repository.values(session, kind, repository.get(session, kind, record_id))


def show(qtbot: Any, dialog: Any) -> Any:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    # Shortcuts (Ctrl+Return) only reach the active window.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    return dialog


@dataclass
class BoxSeen:
    """A real message box met while a test acted: its text and its default button."""

    title: str
    text: str
    default: str
    buttons: list[str]


_ANSWERING = [0]


def answer_boxes(answers: list[str | None]) -> list[BoxSeen]:
    """Answer the next real message boxes, in order: the button with that text (no "&"),
    or ``None`` for Return (the default button).  Returns what each box showed."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    seen: list[BoxSeen] = []
    pending = list(answers)
    _ANSWERING[0] += 1  # a new call ends the polling of earlier ones (a box never shown)
    mine = _ANSWERING[0]

    def poll() -> None:
        if _ANSWERING[0] != mine:
            return
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            default = box.defaultButton()
            seen.append(
                BoxSeen(
                    box.windowTitle(),
                    box.text(),
                    default.text().replace("&", "") if default is not None else "",
                    [b.text().replace("&", "") for b in box.buttons()],
                )
            )
            answer = pending.pop(0)
            if answer is None:
                from PySide6.QtTest import QTest

                QTest.keyClick(box, Qt.Key.Key_Return)
            else:
                next(b for b in box.buttons() if b.text().replace("&", "") == answer).click()
        if pending:
            QTimer.singleShot(20, poll)

    from PySide6.QtCore import Qt

    if pending:
        QTimer.singleShot(20, poll)
    return seen
