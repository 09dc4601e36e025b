"""Issue 12 part 3 in the app: the import dialog's bounded error list and the event
form's refusal of a loop of responses (the rule of db/responses.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from db import repository
from db.errors import SHOWN_ERRORS
from db.models import EventCreate
from desktop.dialogs.event_dialog import EventDialog
from desktop.dialogs.import_dialog import ImportDialog
from desktop.services import records
from tests.gui.conftest import wait_tasks


@pytest.mark.parametrize("bad", [SHOWN_ERRORS, SHOWN_ERRORS + 1, 3000])
def test_the_import_dialog_lists_the_first_100_problems_and_counts_the_rest(
    qtbot: Any, context: Any, register: Any, tmp_path: Path, bad: int
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "occurred_on,title\n" + "".join(f"2026-01-05,x{n % 10}\n" for n in range(bad)),
        encoding="utf-8",
    )  # every title is too short
    dialog = ImportDialog(context, kind="event")
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(path))
    handle = dialog.start(dry_run=True)
    assert handle is not None
    qtbot.waitUntil(lambda: handle.done, timeout=60_000)
    wait_tasks(qtbot)
    rows = dialog.error_model.rows()
    listed = [r for r in rows if r["row"] != ""]
    assert [r["row"] for r in listed] == list(range(2, 2 + SHOWN_ERRORS))
    extra = [r["reason"] for r in rows if r["row"] == ""]
    assert extra == ([] if bad == SHOWN_ERRORS else [f"... and {bad - SHOWN_ERRORS:,} more"])
    assert f"{bad} problems" in dialog.status_label.text()  # the count is of them all
    assert len(dialog.errors) == bad


def _chain(register: Any) -> dict[str, int]:
    """E-0001, E-0002 answering E-0001, E-0003 answering E-0002: their ids by ref."""
    ids: dict[str, int] = {}
    with register.write() as s:
        previous = None
        for n in range(1, 4):
            event = repository.create(
                s,
                "event",
                EventCreate(
                    title=f"Event {n}", occurred_on=dt.date(2026, 1, n), responds_to_id=previous
                ),
                actor="t",
            )
            previous = ids[event.ref] = event.id
    return ids


def test_the_event_form_refuses_a_loop_of_responses(qtbot: Any, register: Any) -> None:
    ids = _chain(register)
    picks = records.choices(register)
    form = records.load_form_data(register, "event", ids["E-0001"])
    dialog = EventDialog(form, picks)
    qtbot.addWidget(dialog)
    dialog.responds_combo.set_value(ids["E-0003"])
    assert dialog.revalidate() is False
    data, errors = dialog.validate()
    assert data is None
    assert errors == {
        "responds_to_id": ["would make a loop of responses (E-0001 -> E-0003 -> E-0002 -> E-0001)"]
    }
    assert "loop of responses" in dialog.error_text("responds_to_id")
    assert not dialog.save_button.isEnabled()
    # no answer: no loop
    dialog.responds_combo.set_value(None)
    data, errors = dialog.validate()
    assert data is not None and errors == {}
    # the event at the end of the chain may answer the first one
    form = records.load_form_data(register, "event", ids["E-0003"])
    other = EventDialog(form, picks)
    qtbot.addWidget(other)
    other.responds_combo.set_value(ids["E-0001"])
    data, errors = other.validate()
    assert data is not None and errors == {}
