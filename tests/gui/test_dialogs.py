"""Import and settings dialogs on real registers and real files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from db import repository
from db.identity import os_user
from desktop.dialogs.import_dialog import ImportDialog
from desktop.dialogs.settings_dialog import SettingsDialog
from tests.gui.conftest import wait_tasks


def _counts(register: Any) -> dict[str, int]:
    with register.session() as session:
        return repository.counts(session)


def _run_import(qtbot: Any, dialog: ImportDialog, *, dry_run: bool) -> None:
    handle = dialog.start(dry_run=dry_run)
    assert handle is not None
    qtbot.waitUntil(lambda: handle.done, timeout=30_000)
    wait_tasks(qtbot)


def test_import_of_a_bad_file_lists_every_problem_and_writes_nothing(
    qtbot: Any, context: Any, register: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "events.csv"
    bad.write_text(
        "occurred_on,title,kind\n"
        "2026-01-05,Open letter from researchers,criticism\n"
        "2026-01-06,ab,criticism\n"
        "not a date,A statement,statement\n",
        encoding="utf-8",
    )
    before = _counts(register)
    dialog = ImportDialog(context, kind="event")
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(bad))
    _run_import(qtbot, dialog, dry_run=False)
    assert _counts(register) == before  # all or nothing
    assert not dialog.imported
    rows = dialog.error_model.rows()
    assert {r["row"] for r in rows} == {3, 4}
    assert {r["field"] for r in rows} >= {"title", "occurred_on"}
    assert dialog.error_table.isVisibleTo(dialog)
    assert "Nothing was imported" in dialog.status_label.text()


def test_import_of_a_good_file_writes_and_refreshes(
    qtbot: Any, context: Any, register: Any, tmp_path: Path
) -> None:
    good = tmp_path / "events.csv"
    good.write_text(
        "occurred_on,title,kind\n2026-01-05,Open letter from researchers,criticism\n2026-01-07,Company clarifies,statement\n",
        encoding="utf-8",
    )
    dialog = ImportDialog(context, kind="event")
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(good))
    _run_import(qtbot, dialog, dry_run=True)
    assert _counts(register)["event"] == 0  # "Check only" writes nothing
    assert "nothing written" in dialog.status_label.text()
    with qtbot.waitSignal(context.data_changed, timeout=30_000):
        _run_import(qtbot, dialog, dry_run=False)
    assert _counts(register)["event"] == 2
    assert dialog.imported
    assert context.settings.last_import_folder == str(tmp_path)


def test_import_of_a_file_that_is_not_a_spreadsheet(
    qtbot: Any, context: Any, register: Any, tmp_path: Path
) -> None:
    junk = tmp_path / "photo.xlsx"
    junk.write_bytes(b"\x89PNG not a workbook")
    dialog = ImportDialog(context, kind="risk")
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(junk))
    _run_import(qtbot, dialog, dry_run=False)
    assert dialog.status_label.text().startswith("Nothing was imported")
    assert "Traceback" not in dialog.status_label.text()
    assert _counts(register)["risk"] == 0


def test_settings_dialog_validates_bands_and_saves(qtbot: Any, context: Any) -> None:
    from db.scales import Bands

    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.medium_spin.setValue(3)  # low 4 >= medium 3: invalid
    assert not ok.isEnabled()
    assert dialog.bands_error.isVisibleTo(dialog)
    dialog.medium_spin.setValue(8)
    dialog.high_spin.setValue(16)
    assert ok.isEnabled()
    dialog.display_name_edit.setText("  Alex Analyst ")
    dialog.prefix_edit.setText("NATO")
    dialog.ceiling_combo.setCurrentIndex(dialog.ceiling_combo.findData("RESTRICTED"))
    assert dialog.banner_preview.text() == "NATO RESTRICTED"
    dialog.accept()
    settings = context.settings
    assert context.bands == Bands(4, 8, 16)
    assert settings.display_name == "Alex Analyst"
    assert context.actor == "Alex Analyst"
    assert settings.marking_prefix == "NATO"
    assert settings.default_ceiling.value == "RESTRICTED"


def test_bands_saved_in_settings_are_the_registers_for_everyone(
    qtbot: Any, context: Any, register: Any, isolated_qsettings: Path
) -> None:
    """Another member (another context and settings file on the same register) sees the
    bands one member saved; the change is in the audit trail under that member's name."""
    from PySide6.QtCore import QSettings

    from db import audit
    from db.register_settings import register_bands
    from db.scales import DEFAULT_BANDS, Bands
    from desktop.context import AppContext
    from desktop.settings import Settings

    other = AppContext(
        register, Settings(QSettings(str(isolated_qsettings / "b.ini"), QSettings.Format.IniFormat))
    )
    assert context.bands == other.bands == DEFAULT_BANDS
    context.settings.display_name = "Alex Analyst"
    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    assert (dialog.low_spin.value(), dialog.medium_spin.value(), dialog.high_spin.value()) == (
        4,
        9,
        14,
    )
    dialog.low_spin.setValue(3)
    dialog.high_spin.setValue(12)
    with qtbot.waitSignal(context.data_changed):
        dialog.accept()
    with register.session() as session:
        assert register_bands(session) == Bands(3, 9, 12)
        (entry,) = audit.history(session, kind="register")
    assert (entry.actor_name, entry.entity_ref, entry.action) == ("Alex Analyst", "bands", "update")
    assert entry.actor == os_user()  # the display name is beside the login, not instead of it
    assert audit.parse_changes(entry) == {"bands": ["4,9,14", "3,9,12"]}
    other.notify_changed()  # what the other member's change poll does when the counter moves
    assert other.bands == Bands(3, 9, 12)
    reopened = SettingsDialog(other)
    qtbot.addWidget(reopened)
    assert (reopened.low_spin.value(), reopened.high_spin.value()) == (3, 12)
    # OK without touching the bands writes nothing more to the trail
    reopened.accept()
    with register.session() as session:
        assert len(audit.history(session, kind="register")) == 1


def test_old_per_user_bands_are_adopted_once_by_a_register_still_at_the_defaults(
    settings: Any, tmp_path: Path
) -> None:
    from db import audit
    from db.engine import open_register
    from db.register_settings import register_bands, set_register_bands
    from db.scales import DEFAULT_BANDS, Bands
    from desktop import settings as keys
    from desktop.settings import adopt_old_bands

    first, second = (open_register(tmp_path / f"{name}.db") for name in ("first", "second"))
    try:
        settings.set(keys.BANDS, "3,8,12")  # saved by an earlier version
        assert adopt_old_bands(settings, first, "alex") == Bands(3, 8, 12)
        with first.session() as session:
            assert register_bands(session) == Bands(3, 8, 12)
            assert [e.actor_name for e in audit.history(session, kind="register")] == ["alex"]
        assert settings.get(keys.BANDS) == "" and settings.old_bands is None  # once only
        assert adopt_old_bands(settings, second, "alex") is None
        with second.session() as session:
            assert register_bands(session) == DEFAULT_BANDS

        # a register whose bands were already set keeps them
        with second.write() as session:
            set_register_bands(session, Bands(5, 10, 15), actor="team")
        settings.set(keys.BANDS, "3,8,12")
        assert adopt_old_bands(settings, second, "alex") is None
        with second.session() as session:
            assert register_bands(session) == Bands(5, 10, 15)
        assert settings.old_bands is None
    finally:
        first.dispose()
        second.dispose()


def test_settings_dialog_switches_the_register(qtbot: Any, context: Any, tmp_path: Path) -> None:
    target = tmp_path / "other.db"
    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(context.register_changed):
        dialog.database_edit.setText(str(target))
        dialog.accept()
    assert context.register.path == target


def test_settings_dialog_keeps_the_register_when_the_new_one_fails(
    qtbot: Any, context: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    foreign = tmp_path / "text.db"
    foreign.write_text("hello")
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: None))
    current = context.register
    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    dialog.database_edit.setText(str(foreign))
    dialog.accept()
    assert context.register is current
    assert dialog.database_error.isVisibleTo(dialog)
    assert dialog.result() == 0  # still open
    dialog.database_edit.setText("mysql://nope")
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
