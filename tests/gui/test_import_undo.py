"""Nothing lost in the app: an import is one undoable step, and duplicates are asked about.

Real ImportDialog, real undo stack, real SQLite files; message boxes are the real ones,
answered through ``answer_boxes``.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer

from db import audit
from desktop.dialogs.import_dialog import ImportDialog
from desktop.services import imports, records
from desktop.tasks import active_tasks
from desktop.undo import BACKGROUND_AFTER
from tests.gui.conftest import wait_tasks
from tests.gui.conftest_forms import answer_boxes, register_state


def _import(qtbot: Any, context: Any, path: Path, kind: str = "event") -> ImportDialog:
    dialog = ImportDialog(context, kind=kind)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(path))
    handle = dialog.start(dry_run=False)
    assert handle is not None
    qtbot.waitUntil(lambda: handle.done, timeout=30_000)
    wait_tasks(qtbot, 60_000)
    return dialog


def _seed(register: Any) -> None:
    sid, _ = records.create_record(
        register, "stakeholder", {"name": "AI researchers", "kind": "other"}, actor="alice"
    )
    records.create_record(
        register,
        "event",
        {
            "title": "Old title",
            "occurred_on": dt.date(2026, 1, 5),
            "kind": "criticism",
            "severity": 2,
            "stakeholder_id": sid,
        },
        actor="alice",
    )


def _actions(register: Any) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from db.models import AuditEntry

    with register.session() as session:
        rows = session.execute(
            select(AuditEntry.entity_ref, AuditEntry.action).order_by(AuditEntry.id)
        )  # type: ignore[arg-type]
        return [(ref, action) for ref, action in rows]


def test_undo_takes_back_a_whole_import_and_redo_brings_it_back_under_the_same_refs(
    qtbot: Any, context: Any, register: Any, tmp_path: Path
) -> None:
    _seed(register)
    before = register_state(register)
    path = tmp_path / "events.csv"
    path.write_text(
        "ref,occurred_on,title,kind,severity,stakeholder,responds_to\n"
        "E-0001,2026-01-05,New title,criticism,5,,\n"
        ",2026-02-01,Researchers reply,statement,1,AI researchers,E-0001\n"
        ",2026-02-02,Second reply,statement,1,,\n",
        encoding="utf-8",
    )
    dialog = _import(qtbot, context, path)
    assert dialog.imported, dialog.status_label.text()
    imported = register_state(register)
    assert imported["E-0001"]["title"] == "New title"
    assert {"E-0002", "E-0003"} <= set(imported)
    stack = context.undo_stack
    assert stack.count() == 1  # ONE step for the whole file
    assert stack.undoText().startswith("Import 3 events from events.csv")

    stack.undo()
    assert register_state(register) == before  # created gone, updated back (ids included)
    tail = _actions(register)[-3:]
    assert ("E-0001", "update") in tail  # through the repository: audited
    assert {("E-0002", "delete"), ("E-0003", "delete")} <= set(tail)

    stack.redo()
    assert register_state(register) == imported  # same refs, same ids, same values
    stack.undo()
    assert register_state(register) == before
    with register.session() as session:
        assert audit.verify_chain(session) == []


def test_undo_of_an_import_asks_before_going_over_a_later_change(
    qtbot: Any, context: Any, register: Any, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "occurred_on,title,kind\n2026-02-01,First one,statement\n2026-02-02,Second one,other\n",
        encoding="utf-8",
    )
    _import(qtbot, context, path)
    eid = records.id_for_ref(register, "event", "E-0002")
    records.update_record(
        register, "event", eid, {"title": "Changed by Bob"}, actor="bob", expected_version=1
    )
    after = register_state(register)
    seen = answer_boxes([None])  # Return: the default answer
    context.undo_stack.undo()
    assert len(seen) == 1 and "E-0002" in seen[0].text
    assert seen[0].default == "Cancel"  # the safe answer is the default
    assert register_state(register) == after  # cancelled: nothing taken back
    assert context.undo_stack.count() == 0  # and the step left the history

    # Answering "Undo anyway" takes it back over Bob's change.
    path.write_text(
        "occurred_on,title,kind\n2026-03-01,Third one,statement\n2026-03-02,Fourth one,other\n",
        encoding="utf-8",
    )
    _import(qtbot, context, path)
    stack_before = register_state(register)
    assert len(stack_before) == 4
    eid = records.id_for_ref(register, "event", "E-0003")
    records.update_record(
        register, "event", eid, {"title": "Changed again"}, actor="bob", expected_version=1
    )
    answer_boxes(["Undo anyway"])
    context.undo_stack.undo()
    assert set(register_state(register)) == {"E-0001", "E-0002"}


def test_undoing_a_large_import_runs_in_the_background_and_is_quick(
    qtbot: Any, context: Any, register: Any, tmp_path: Path
) -> None:
    n = max(5_000, BACKGROUND_AFTER + 1)
    path = tmp_path / "many.csv"
    lines = ["occurred_on,title,kind,risks"]
    lines += [f"2026-01-{1 + i % 28:02d},Event number {i},statement," for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = register_state(register)
    _import(qtbot, context, path)
    assert len(register_state(register)) == n
    busy: list[int] = []

    def watch() -> None:  # runs in the nested event loop while the undo works
        busy.append(active_tasks())
        if len(busy) < 10_000:
            QTimer.singleShot(5, watch)

    QTimer.singleShot(0, watch)
    start = time.perf_counter()
    context.undo_stack.undo()
    took = time.perf_counter() - start
    assert max(busy) >= 1  # the work ran as a task, the GUI thread kept its event loop
    assert register_state(register) == before
    assert took < 60, took  # record by record this took about 25 s for 5,000
    context.undo_stack.redo()
    assert len(register_state(register)) == n


def test_importing_rows_already_in_the_register_asks_first(
    qtbot: Any, context: Any, register: Any, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "occurred_on,title,kind\n"
        "2026-02-01,Open letter,criticism\n"
        "2026-02-02,Company statement,statement\n"
        "2026-02-03,Something new,other\n",
        encoding="utf-8",
    )
    _seed(register)
    records.create_record(
        register,
        "event",
        {"title": "open  LETTER", "occurred_on": dt.date(2026, 2, 1), "kind": "criticism"},
        actor="alice",
    )
    records.create_record(
        register,
        "event",
        {"title": "Company statement", "occurred_on": dt.date(2026, 2, 2), "kind": "statement"},
        actor="alice",
    )
    state = register_state(register)

    seen = answer_boxes([None])  # Return: the default button
    dialog = _import(qtbot, context, path)
    assert len(seen) == 1
    assert seen[0].title == "Import duplicates?"
    assert seen[0].text.startswith("2 events in this file look like records already")
    assert seen[0].default == "Cancel"
    assert register_state(register) == state  # nothing imported
    assert not dialog.imported
    assert "Nothing was imported" in dialog.status_label.text()

    seen = answer_boxes(["Import anyway"])
    dialog = _import(qtbot, context, path)
    assert len(seen) == 1 and dialog.imported
    assert len(register_state(register)) == len(state) + 3


def test_no_question_when_no_row_looks_like_a_record(
    qtbot: Any, context: Any, register: Any, tmp_path: Path
) -> None:
    _seed(register)
    path = tmp_path / "events.csv"
    # Same title, another date; and a row with a ref is an update, never a duplicate.
    path.write_text(
        "ref,occurred_on,title,kind\n"
        ",2026-01-06,Old title,criticism\n"
        "E-0001,2026-01-05,Old title,criticism\n",
        encoding="utf-8",
    )
    seen = answer_boxes([None])
    dialog = _import(qtbot, context, path)
    assert seen == [] and dialog.imported
    answer_boxes([])  # nothing pending


def test_same_content_per_kind(register: Any, tmp_path: Path) -> None:
    _seed(register)
    path = tmp_path / "events.csv"
    path.write_text(
        "occurred_on,title,kind\n"
        "2026-01-05, old   TITLE ,Criticism\n"  # spacing, case and the label: the same
        "2026-01-05,Old title,statement\n"  # another kind
        "2026-01-04,Old title,criticism\n"  # another day
        "2026-01-05,Old title,\n",  # empty kind: "other", as the import stores it
        encoding="utf-8",
    )
    found = imports.look_for_duplicates(register, "events", path)
    assert found.rows == [(2, "E-0001")]
    assert found.fields == ("title", "occurred_on", "kind")
    stake = tmp_path / "stakeholders.csv"
    stake.write_text("name\nai researchers\nSomeone else\n", encoding="utf-8")
    assert imports.look_for_duplicates(register, "stakeholder", stake).rows == [(2, "S-001")]
