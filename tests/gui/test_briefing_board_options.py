"""The build dialog's board options and preparer, driven like a user: the row limit and
the attached log reach the pack, and the preparer's name is asked for once."""

from __future__ import annotations

from typing import Any

from pypdf import PdfReader

from tests.gui.test_briefings import build, demo, demo_template, make_dialog, page_text

__all__ = ["demo", "demo_template"]  # fixtures used here


def test_row_limit_attachment_and_the_preparer_reach_the_pack(qtbot: Any, demo: Any) -> None:
    assert demo.settings.display_name == ""
    dialog = make_dialog(qtbot, demo)
    assert dialog.board_options.max_rows == 50 and dialog.board_options.attach_event_log
    assert dialog.preparer.edit.text() == ""  # nothing set: the field asks for it
    dialog.board_options.rows_spin.setValue(3)
    dialog.board_options.attach_check.setChecked(False)
    qtbot.keyClicks(dialog.preparer.edit, "Dana  Ng")
    result = build(qtbot, dialog)
    reader = PdfReader(str(result.path))
    assert reader.attachments == {}
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "the full log was left out of this pack" in " ".join(text.split())
    assert "Prepared by\nDana Ng" in page_text(result.path)
    # The name given once is kept: the next dialog has it and does not ask again.
    assert demo.settings.display_name == "Dana Ng"
    again = make_dialog(qtbot, demo)
    assert again.preparer.edit.text() == "Dana Ng"
    assert again.board_options.max_rows == 50  # a new pack starts from the board defaults


def test_a_blank_preparer_prints_no_name_and_keeps_asking(qtbot: Any, demo: Any) -> None:
    dialog = make_dialog(qtbot, demo)
    result = build(qtbot, dialog)
    cover = page_text(result.path)
    assert "Prepared by" not in cover
    assert demo.settings.display_name == ""
    assert PdfReader(str(result.path)).attachments  # the default attaches the log
