"""Exports and saved copies of packs are created readable by their owner only (0600)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.importexport import export_file


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual umask: files would be 0644
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("name", ["events.csv", "events.xlsx"])
def test_an_export_is_readable_by_its_owner_only(
    register: Any, tmp_path: Path, open_umask: None, name: str
) -> None:
    out = tmp_path / name
    export_file(register, "event", out)
    assert (out.stat().st_mode & 0o777) == 0o600
    out.chmod(0o644)  # an older export of the same name: replaced by a private one
    export_file(register, "event", out)
    assert (out.stat().st_mode & 0o777) == 0o600


def test_a_saved_copy_of_a_pack_is_readable_by_its_owner_only(
    qtbot: Any, tmp_path: Path, open_umask: None
) -> None:
    from reportlab.pdfgen import canvas

    from desktop.widgets.pdf_preview import PdfPreview

    pack = tmp_path / "pack.pdf"
    page = canvas.Canvas(str(pack))
    page.drawString(72, 720, "A briefing pack")
    page.save()
    preview = PdfPreview()
    qtbot.addWidget(preview)
    assert preview.load(pack)
    copy = tmp_path / "copy.pdf"
    assert preview.save_as(str(copy)) == str(copy)
    assert copy.read_bytes() == pack.read_bytes()
    assert (copy.stat().st_mode & 0o777) == 0o600
