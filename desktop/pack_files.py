"""Where briefing packs are saved on this machine, and how new pack files are named.

The register keeps only a pack's file name (it is shared; paths are not): the
folder each pack went to is remembered in the user's settings
(``remember_pack``), and ``find_pack_file`` looks there first, then in the packs
folders.  Used by the briefing dialog and the Briefings list.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths

from desktop import settings as keys

MAX_REMEMBERED = 500  # pack locations kept in the settings


def slug(text: str) -> str:
    """A file-name-safe form of a pack title (letters of any script kept)."""
    words = re.sub(r"[^\w]+", "-", text.strip().lower(), flags=re.UNICODE).strip("-_")
    return words[:60].strip("-_") or "briefing-pack"


def unique_path(path: Path) -> Path:
    """``path``, or ``name-2.pdf``, ``name-3.pdf``... whichever does not exist yet."""
    if not path.exists():
        return path
    for n in range(2, 1000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    return path


def output_problem(path: Path | None) -> str:
    """Why the pack cannot be saved at ``path`` ("" if it can)."""
    if path is None:
        return "Choose where to save the pack."
    if path.is_dir():
        return f"{path} is a folder; give the pack a file name."
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path.name} exists and cannot be replaced (it is read-only)."
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a folder."
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"The folder {folder} cannot be written to."
    return ""


def packs_folder(settings: Any) -> Path:
    """The folder new packs are proposed in: the last one used, else Documents/Briefings."""
    last = settings.get(keys.LAST_BRIEFING_FOLDER) if settings is not None else ""
    if last and Path(last).is_dir():
        return Path(last)
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents or Path.home()) / "Briefings"


def pack_locations(settings: Any) -> dict[str, str]:
    raw = settings.get(keys.BRIEFING_LOCATIONS) if settings is not None else ""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def remember_pack(settings: Any, sha256: str, path: str | os.PathLike[str]) -> None:
    """Note where the pack with this checksum was saved (the register keeps only its name)."""
    if settings is None:
        return
    locations = pack_locations(settings)
    locations.pop(sha256, None)
    locations[sha256] = str(Path(path).resolve())
    while len(locations) > MAX_REMEMBERED:
        locations.pop(next(iter(locations)))
    settings.set(keys.BRIEFING_LOCATIONS, json.dumps(locations, ensure_ascii=False))
    settings.set(keys.LAST_BRIEFING_FOLDER, str(Path(path).resolve().parent))


@dataclass(frozen=True)
class PackFile:
    """Where a recorded pack's file is, or where it was looked for."""

    path: Path | None
    searched: tuple[Path, ...] = ()
    remembered: Path | None = None  # where it was saved, if this machine knows

    @property
    def found(self) -> bool:
        return self.path is not None


def find_pack_file(settings: Any, sha256: str, file_name: str) -> PackFile:
    """The file of a recorded pack: where it was saved, else its name in the packs folders."""
    searched: list[Path] = []
    remembered_text = pack_locations(settings).get(sha256)
    remembered = Path(remembered_text) if remembered_text else None
    if remembered is not None:
        searched.append(remembered)
        if remembered.is_file():
            return PackFile(remembered, tuple(searched), remembered)
    folders = [packs_folder(settings)]
    if settings is not None and settings.last_export_folder:
        folders.append(Path(settings.last_export_folder))
    for folder in folders:
        candidate = folder / file_name
        if candidate in searched:
            continue
        searched.append(candidate)
        if candidate.is_file():
            return PackFile(candidate, tuple(searched), remembered)
    return PackFile(None, tuple(searched), remembered)
