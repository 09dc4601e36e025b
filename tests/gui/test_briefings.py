"""Briefings from the app: the dialog's live marking, background build and cancel, the list,
the in-app preview, printing and regenerating, on the demo register with real PDFs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QUrl
from PySide6.QtGui import QKeySequence
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from db.classification import banner_text
from db.demo import load_demo
from db.models import DRAFT, ISSUED, BriefingRecord
from db.queries import briefing as bq_write
from db.queries import briefings as bq
from desktop import settings as keys
from desktop.briefing.builder import BriefingResult, build_pack
from desktop.briefing.parameters import BriefingParameters, regeneration_parameters
from desktop.dialogs import briefing_dialog as bd
from desktop.dialogs.briefing_dialog import BriefingDialog
from desktop.pack_files import find_pack_file
from desktop.views.briefings_view import BriefingsView
from desktop.widgets import pdf_preview
from desktop.widgets.pdf_preview import PdfPreview, print_pdf
from tests.gui.conftest import wait_tasks

TODAY = dt.date.today()


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A register file holding the demo data, made once per module (dates relative to today)."""
    from db.engine import open_register

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    register = open_register(path)
    try:
        load_demo(register, actor="t")
    finally:
        register.dispose()
    return path


@pytest.fixture
def demo(demo_template: Path, settings: Any, tmp_path: Path) -> Iterator[Any]:
    """A context on a private copy of the demo register; packs are saved under tmp."""
    import shutil

    from db.engine import open_register
    from desktop.context import AppContext

    path = tmp_path / "register" / "demo.db"
    path.parent.mkdir()
    shutil.copyfile(demo_template, path)
    register = open_register(path)
    context = AppContext(register, settings)
    context.settings.set(keys.LAST_BRIEFING_FOLDER, str(tmp_path))
    yield context
    context.undo_stack.clear()
    register.dispose()


@pytest.fixture(autouse=True)
def no_desktop(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    """URLs the app would hand to the desktop (file manager, PDF viewer), recorded instead."""
    opened: list[QUrl] = []
    monkeypatch.setattr(pdf_preview, "open_url", lambda url: opened.append(url) or True)
    return opened


@pytest.fixture(autouse=True)
def close_dialogs() -> Iterator[None]:
    yield
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, BriefingDialog) and widget.building:
            widget.cancel_build()
    bd._OPEN.clear()


def settle(qtbot: Any, dialog: BriefingDialog) -> bd.Classified:
    """Wait for the live classification preview to answer the latest question."""
    qtbot.waitUntil(
        lambda: not dialog.classification_pending and not dialog._preview_timer.isActive(),
        timeout=10_000,
    )
    assert dialog.classification is not None, dialog.exclusion_label.text()
    return dialog.classification


def make_dialog(qtbot: Any, context: Any, **kwargs: Any) -> BriefingDialog:
    dialog = BriefingDialog(context, None, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    settle(qtbot, dialog)
    return dialog


def build(qtbot: Any, dialog: BriefingDialog) -> BriefingResult:
    with qtbot.waitSignal(dialog.built, timeout=60_000) as blocker:
        qtbot.mouseClick(dialog.build_button, _left())
    result = blocker.args[0]
    assert isinstance(result, BriefingResult)
    return result


def _left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def tick(dialog: BriefingDialog, *refs: str) -> None:
    from PySide6.QtCore import Qt

    for i in range(dialog.partnership_list.count()):
        item = dialog.partnership_list.item(i)
        if item.data(Qt.ItemDataRole.UserRole) in refs:
            item.setCheckState(Qt.CheckState.Checked)


def _record_pack(
    context: Any, *, at: dt.datetime, ceiling: str, scope: str = "", edition: str = ISSUED
) -> None:
    with context.register.write() as session:
        bq_write.add_briefing_record(
            session,
            record=BriefingRecord(
                created_at=at,
                actor="t",
                title=f"{edition} {ceiling} {scope or 'whole'}",
                parameters="{}",
                ceiling=ceiling,
                banner_level=ceiling,
                page_count=3,
                sha256="0" * 64,
                file_name="earlier.pdf",
                edition=edition,
                scope=scope,
            ),
        )


def _pack_since(context: Any, params: BriefingParameters) -> tuple[dt.date, str]:
    """Where the pack built from ``params`` counts "what changed" from, by its own loader."""
    from desktop.briefing.builder import generation_time
    from desktop.briefing.data import load_pack_data

    with context.register.session() as session:
        data = load_pack_data(session, params, generated_at=generation_time(params), analysis=False)
    return data.since, data.since_basis


def records(context: Any) -> list[bq.BriefingRow]:
    with context.register.session() as session:
        return bq.list_briefings(session)


def page_text(path: Path, index: int = 0) -> str:
    return PdfReader(str(path)).pages[index].extract_text()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".pdf", ".part"))


@pytest.fixture(scope="module")
def built_pack(
    tmp_path_factory: pytest.TempPathFactory, demo_template: Path
) -> tuple[Path, BriefingResult]:
    """One demo pack built without the GUI, for the preview and print tests."""
    import shutil

    from db.engine import open_register

    folder = tmp_path_factory.mktemp("pack")
    shutil.copyfile(demo_template, folder / "demo.db")
    register = open_register(folder / "demo.db")
    try:
        result = build_pack(
            register, BriefingParameters(ceiling="RESTRICTED"), folder / "pack.pdf", actor="t"
        )
    finally:
        register.dispose()
    return folder / "pack.pdf", result


# --------------------------------------------------------------------------- the dialog


@pytest.mark.parametrize(
    ("ceiling", "partnerships"),
    [("RESTRICTED", ()), ("SECRET", ("P-001",))],
    ids=["restricted-whole-register", "secret-ceiling-one-partnership"],
)
def test_live_banner_and_exclusions_match_the_built_pack(
    qtbot: Any, demo: Any, tmp_path: Path, ceiling: str, partnerships: tuple[str, ...]
) -> None:
    demo.settings.marking_prefix = "NATO"
    dialog = make_dialog(qtbot, demo)
    dialog.ceiling_combo.setCurrentIndex(dialog.ceiling_combo.findData(ceiling))
    tick(dialog, *partnerships)
    shown = settle(qtbot, dialog)
    assert dialog.banner_label.text() == banner_text(shown.banner_level, "NATO")
    if shown.excluded_total:
        assert f"leaves out {shown.excluded_total} record" in dialog.exclusion_label.text()
    else:
        assert "Nothing in scope is above" in dialog.exclusion_label.text()

    result = build(qtbot, dialog)

    assert result.banner_level == shown.banner_level
    assert result.excluded_counts == shown.excluded_counts
    first = page_text(result.path)
    assert first.count(banner_text(result.banner_level, "NATO")) >= 2  # top and bottom of the cover
    if partnerships:
        # The banner is the highest level included, not the ceiling.  (P-001's records
        # stop at RESTRICTED: the CONFIDENTIAL E-0024 touches a P-001 risk but is about
        # P-004, so it belongs to P-004's scope, not to this pack.)
        assert shown.banner_level == "RESTRICTED" and ceiling == "SECRET"
    else:
        assert shown.excluded_total > 0
    (record,) = records(demo)
    assert record.banner_level == result.banner_level and record.ceiling == ceiling
    assert record.page_count == result.page_count == len(PdfReader(str(result.path)).pages)
    assert json.loads(record.parameters)["partnerships"] == list(partnerships)


def test_a_pack_built_in_the_app_uses_the_registers_bands(
    qtbot: Any, demo: Any, tmp_path: Path
) -> None:
    """Bands set in Settings are the register's: the app's pack uses them (not the
    defaults) and records them, and its rebuild keeps them after the bands change."""
    from db.scales import DEFAULT_BANDS, Bands
    from desktop.dialogs.settings_dialog import SettingsDialog

    settings_dialog = SettingsDialog(demo)
    qtbot.addWidget(settings_dialog)
    for spin, value in zip(
        (settings_dialog.low_spin, settings_dialog.medium_spin, settings_dialog.high_spin),
        (2, 3, 4),
        strict=True,
    ):
        spin.setValue(value)
    settings_dialog.accept()
    assert demo.bands == Bands(2, 3, 4)

    dialog = make_dialog(qtbot, demo)
    for name, box in dialog.section_checks.items():
        box.setChecked(name in ("cover", "annex_b"))
    result = build(qtbot, dialog)
    text = "\n".join(p.extract_text() for p in PdfReader(str(result.path)).pages)
    assert "5 to 25" in text and "15 to 25" not in text  # critical from 5 up, as set
    (record,) = records(demo)
    assert json.loads(record.parameters)["bands"] == "2,3,4"

    assert demo.set_bands(DEFAULT_BANDS)
    params = regeneration_parameters(demo.register, record)
    again = make_dialog(qtbot, demo, initial=params, output=tmp_path / "again.pdf")
    assert again.parameters().bands == Bands(2, 3, 4)
    rebuilt = build(qtbot, again)
    text = "\n".join(p.extract_text() for p in PdfReader(str(rebuilt.path)).pages)
    assert "5 to 25" in text and "15 to 25" not in text
    fresh = make_dialog(qtbot, demo)  # a new pack takes the register's bands of now
    assert fresh.parameters().bands is None
    for name, box in fresh.section_checks.items():
        box.setChecked(name in ("cover", "annex_b"))
    fresh.output_edit.setText(str(tmp_path / "fresh.pdf"))
    newest = build(qtbot, fresh)
    assert "15 to 25" in "\n".join(p.extract_text() for p in PdfReader(str(newest.path)).pages)
    wait_tasks(qtbot)


def test_the_marking_follows_the_ceiling_and_partnerships_without_building(
    qtbot: Any, demo: Any
) -> None:
    dialog = make_dialog(qtbot, demo)
    whole = settle(qtbot, dialog)
    assert dialog.ceiling().value == "UNCLASSIFIED"  # the settings' default ceiling
    assert whole.banner_level == "UNCLASSIFIED" and whole.excluded_total > 0

    dialog.ceiling_combo.setCurrentIndex(dialog.ceiling_combo.findData("SECRET"))
    assert dialog.classification_pending  # asked again after a short pause, not per click
    top = settle(qtbot, dialog)
    assert top.banner_level == "SECRET" and top.excluded_total == 0
    assert dialog.banner_label.text() == "SECRET"
    assert "Nothing in scope is above the SECRET ceiling" in dialog.exclusion_label.text()

    tick(dialog, "P-001")
    scoped = settle(qtbot, dialog)
    # The highest record about P-001 (E-0024, CONFIDENTIAL, is about P-004: not in scope).
    assert scoped.banner_level == "RESTRICTED"
    assert "covers 1 partnership" in dialog.scope_note.text()
    assert records(demo) == []  # nothing was built


def test_period_presets_since_default_and_output_name(
    qtbot: Any, demo: Any, tmp_path: Path
) -> None:
    earlier = dt.datetime.combine(TODAY - dt.timedelta(days=10), dt.time(9), tzinfo=dt.UTC)
    # An issued pack: the default "since" counts from it.
    _record_pack(demo, at=earlier, ceiling="UNCLASSIFIED")
    dialog = make_dialog(qtbot, demo)
    start, end = bd.pydate(dialog.from_edit.date()), bd.pydate(dialog.to_edit.date())
    assert (start, end) == (TODAY - dt.timedelta(days=29), TODAY)
    # "What changed since" defaults to the previous pack's date and is left to the builder.
    assert bd.pydate(dialog.since_edit.date()) == earlier.date()
    assert "previous pack" in dialog.since_note.text()
    assert dialog.parameters().since is None
    assert (
        Path(dialog.output_edit.text())
        == tmp_path / f"stakeholder-risk-briefing-{TODAY:%Y-%m-%d}.pdf"
    )

    dialog.period_combo.setCurrentIndex(dialog.period_combo.findData("7d"))
    assert bd.pydate(dialog.from_edit.date()) == TODAY - dt.timedelta(days=6)
    dialog.period_combo.setCurrentIndex(dialog.period_combo.findData("qtd"))
    assert bd.pydate(dialog.from_edit.date()) == dt.date(
        TODAY.year, 3 * ((TODAY.month - 1) // 3) + 1, 1
    )
    dialog.from_edit.setDate(bd.qdate(TODAY - dt.timedelta(days=3)))
    assert dialog.period_combo.currentData() == "custom"
    # The previous pack is before this period's end, so it stays the default.
    assert bd.pydate(dialog.since_edit.date()) == earlier.date()

    dialog.since_edit.setDate(bd.qdate(TODAY - dt.timedelta(days=2)))
    assert dialog.parameters().since == TODAY - dt.timedelta(days=2)
    assert dialog.since_default_button.isEnabled()
    dialog.since_default_button.click()
    assert dialog.parameters().since is None

    dialog.title_edit.setText(dialog.title_edit.text() + " für Q4 & co")  # QTest types ASCII only
    assert Path(dialog.output_edit.text()).name.startswith("stakeholder-risk-briefing-für-q4-co-")


def test_build_is_disabled_until_the_request_is_valid(
    qtbot: Any, demo: Any, tmp_path: Path
) -> None:
    dialog = make_dialog(qtbot, demo)
    assert dialog.build_button.isEnabled() and not dialog.error_label.isVisibleTo(dialog)

    dialog.title_edit.setText("   ")
    assert not dialog.build_button.isEnabled()
    assert "Give the pack a title." in dialog.error_label.text()
    dialog.title_edit.setText("Board pack")
    assert dialog.build_button.isEnabled()

    dialog.from_edit.setDate(bd.qdate(TODAY + dt.timedelta(days=1)))
    assert not dialog.build_button.isEnabled()
    assert "after it ends" in dialog.error_label.text()
    dialog.from_edit.setDate(bd.qdate(TODAY - dt.timedelta(days=5)))
    assert dialog.build_button.isEnabled()

    for name in bd.BODY_SECTIONS:
        dialog.section_checks[name].setChecked(False)
    assert not dialog.build_button.isEnabled()
    assert "at least one section" in dialog.error_label.text()
    dialog.section_checks["register"].setChecked(True)
    assert dialog.build_button.isEnabled()

    a_file = tmp_path / "not-a-folder.txt"
    a_file.write_text("x")
    for bad, words in (
        ("", "Choose where"),
        (str(tmp_path), "is a folder"),
        (str(a_file / "pack.pdf"), "is not a folder"),
    ):
        dialog.output_edit.setText(bad)
        dialog.output_edit.textEdited.emit(bad)
        assert not dialog.build_button.isEnabled(), bad
        assert words in dialog.error_label.text()
    dialog.output_edit.setText(str(tmp_path / "new folder" / "board"))
    dialog.output_edit.textEdited.emit(dialog.output_edit.text())
    assert dialog.build_button.isEnabled()
    assert dialog.output_path() == tmp_path / "new folder" / "board.pdf"
    assert "will be created" in dialog.output_note.text()
    assert dialog.start_build() is not None  # the folder is made when the build starts
    qtbot.waitUntil(lambda: not dialog.building, timeout=60_000)
    assert (tmp_path / "new folder" / "board.pdf").is_file()


# --------------------------------------------------------------------------- building and cancelling


def test_cancel_straight_after_build_leaves_no_file_and_no_record(
    qtbot: Any, demo: Any, tmp_path: Path
) -> None:
    dialog = make_dialog(qtbot, demo)
    target = dialog.output_path()
    assert target is not None
    qtbot.mouseClick(dialog.build_button, _left())
    assert dialog.building and dialog.progress_bar.isVisible() and not dialog.form_area.isEnabled()
    handle = dialog.build_handle
    with qtbot.waitSignal(handle.cancelled, timeout=30_000):
        qtbot.mouseClick(dialog.cancel_button, _left())
    wait_tasks(qtbot)
    assert not target.exists()
    assert leftovers(tmp_path) == []
    assert records(demo) == []
    assert dialog.isVisible()  # Cancel stopped the build; a second Cancel closes
    assert "no file was written" in dialog.status_label.text()
    assert dialog.build_button.isEnabled() and dialog.form_area.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, _left())
    assert not dialog.isVisible()


def test_cancel_during_layout_leaves_no_file_and_no_record(
    qtbot: Any, demo: Any, tmp_path: Path
) -> None:
    dialog = make_dialog(qtbot, demo)
    target = dialog.output_path()
    seen: list[str] = []
    built: list[Any] = []
    dialog.built.connect(built.append)
    handle = dialog.start_build()
    assert handle is not None

    def progressed(_done: int, _total: int, text: str) -> None:
        seen.append(text)
        if text.startswith("Counting pages") and not handle.cancel_requested:
            dialog.reject()  # Esc / Cancel while building: stops the build, keeps the dialog

    handle.progressed.connect(progressed)
    with qtbot.waitSignal(handle.finished, timeout=60_000):
        pass
    wait_tasks(qtbot)
    assert any(t.startswith("Counting pages") for t in seen)
    assert not any(t.startswith("Writing") for t in seen)
    assert built == [] and records(demo) == []
    assert target is not None and not target.exists()
    assert leftovers(tmp_path) == []
    assert dialog.isVisible()


def test_a_failed_build_is_reported_in_the_dialog(qtbot: Any, demo: Any, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, demo)
    tick(dialog, "P-002")
    settle(qtbot, dialog)
    from db import repository

    with demo.register.write() as session:  # someone deletes the partnership meanwhile
        p = repository.get_by_ref(session, "partnership", "P-002")
        repository.delete(session, "partnership", p.id, actor="t")
    handle = dialog.start_build()
    assert handle is not None
    with qtbot.waitSignal(handle.finished, timeout=60_000):
        pass
    assert (
        "could not be built" in dialog.error_label.text() and "P-002" in dialog.error_label.text()
    )
    assert records(demo) == [] and leftovers(tmp_path) == []
    assert dialog.build_button.isEnabled()


# --------------------------------------------------------------------------- preview and print


def test_preview_loads_the_pack_with_pages_and_zoom(
    qtbot: Any, built_pack: tuple[Path, BriefingResult]
) -> None:
    path, result = built_pack
    preview = PdfPreview()
    qtbot.addWidget(preview)
    preview.resize(900, 800)
    preview.show()
    assert preview.load(path)
    assert preview.document.status() == QPdfDocument.Status.Ready
    assert preview.document.pageCount() == result.page_count
    assert preview.page_text() == f"Page 1 of {result.page_count}"
    assert not preview.prev_action.isEnabled() and preview.next_action.isEnabled()

    preview.next_action.trigger()
    assert preview.current_page() == 1 and preview.page_text() == f"Page 2 of {result.page_count}"
    preview.page_spin.setValue(result.page_count)
    assert preview.current_page() == result.page_count - 1
    assert not preview.next_action.isEnabled() and preview.prev_action.isEnabled()
    preview.previous_page()
    assert preview.current_page() == result.page_count - 2

    assert preview.fit_width_action.isChecked()
    fitted = preview.effective_zoom()
    assert 0.5 < fitted < 3
    preview.zoom_in_action.trigger()
    assert preview.effective_zoom() == pytest.approx(fitted * 1.25)
    preview.zoom_out_action.trigger()
    preview.zoom_out_action.trigger()
    assert preview.effective_zoom() == pytest.approx(fitted / 1.25)
    assert not preview.fit_width_action.isChecked()
    preview.go_to_page(4)
    bar = preview.view.verticalScrollBar()
    preview.fit_page_action.trigger()
    assert preview.fit_page_action.isChecked() and preview.effective_zoom() < fitted
    qtbot.wait(20)
    # Zooming keeps the page shown, not the scroll offset (another page at another size).
    assert preview.current_page() == 4 and preview.page_text() == f"Page 5 of {result.page_count}"
    assert abs(bar.value() / bar.maximum() * (result.page_count - 1) - 4) < 1


def test_preview_of_a_missing_file_says_so(qtbot: Any, tmp_path: Path) -> None:
    preview = PdfPreview()
    qtbot.addWidget(preview)
    assert not preview.load(tmp_path / "gone.pdf")
    assert "cannot be found" in preview.message.text()
    assert not preview.print_action.isEnabled() and preview.page_count() == 0


def test_save_as_and_open_in_the_system_viewer(
    qtbot: Any, built_pack: tuple[Path, BriefingResult], tmp_path: Path, no_desktop: list[QUrl]
) -> None:
    path, _result = built_pack
    preview = PdfPreview()
    qtbot.addWidget(preview)
    preview.load(path)
    copy = preview.save_as(str(tmp_path / "copy"))
    assert copy == str(tmp_path / "copy.pdf")
    assert Path(copy).read_bytes() == path.read_bytes()
    assert preview.open_external()
    assert no_desktop == [QUrl.fromLocalFile(str(path))]


def _pdf_printer(
    path: Path, mode: QPrinter.PrinterMode = QPrinter.PrinterMode.ScreenResolution
) -> QPrinter:
    printer = QPrinter(mode)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_print_pdf_to_a_pdf_printer_gives_the_pages_asked_for(
    built_pack: tuple[Path, BriefingResult], tmp_path: Path
) -> None:
    path, result = built_pack
    everything = tmp_path / "all.pdf"
    assert print_pdf(path, _pdf_printer(everything)) == result.page_count
    assert len(PdfReader(str(everything)).pages) == result.page_count

    some = tmp_path / "some.pdf"
    high = _pdf_printer(some, QPrinter.PrinterMode.HighResolution)
    assert high.resolution() >= 600
    assert print_pdf(path, high, 2, 4) == 3
    reader = PdfReader(str(some))
    assert len(reader.pages) == 3
    # Each page is an image of the pack's page, not a blank sheet.
    assert any(reader.pages[0].images)

    with pytest.raises(ValueError):
        print_pdf(
            path, _pdf_printer(tmp_path / "none.pdf"), result.page_count + 1, result.page_count + 2
        )


def test_print_honours_the_range_chosen_in_the_print_dialog(
    qtbot: Any, built_pack: tuple[Path, BriefingResult], tmp_path: Path
) -> None:
    path, _result = built_pack
    preview = PdfPreview()
    qtbot.addWidget(preview)
    preview.load(path)
    printer = _pdf_printer(tmp_path / "range.pdf")
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(3, 4)
    with qtbot.waitSignal(preview.printed) as blocker:
        assert preview.print_to(printer) == 2
    assert blocker.args == [2]
    assert len(PdfReader(str(tmp_path / "range.pdf")).pages) == 2

    preview.go_to_page(5)
    current = _pdf_printer(tmp_path / "current.pdf")
    current.setPrintRange(QPrinter.PrintRange.CurrentPage)
    assert preview.print_to(current) == 1
    assert len(PdfReader(str(tmp_path / "current.pdf")).pages) == 1


# --------------------------------------------------------------------------- the list, regenerate, Ctrl+P


def test_list_shows_packs_missing_files_and_regenerates_with_the_same_parameters(
    qtbot: Any, demo: Any, tmp_path: Path, no_desktop: list[QUrl]
) -> None:
    view = BriefingsView(demo)
    qtbot.addWidget(view)
    view.show()
    assert view.model.rowCount() == 0 and view.stack.currentWidget() is view.empty_label

    dialog = make_dialog(qtbot, demo)
    dialog.title_edit.setText("Quarterly board pack")
    dialog.audience_edit.setText("Board")
    dialog.ceiling_combo.setCurrentIndex(dialog.ceiling_combo.findData("RESTRICTED"))
    tick(dialog, "P-002")
    dialog.section_checks["annex_a"].setChecked(False)
    dialog.paper_combo.setCurrentIndex(dialog.paper_combo.findData("letter"))
    settle(qtbot, dialog)
    first = build(qtbot, dialog)

    # The list refreshed itself on data_changed and shows the new record.
    assert view.model.rowCount() == 1
    row = view.model.rows()[0]
    assert (row["title"], row["audience"], row["banner"], row["pages"]) == (
        "Quarterly board pack",
        "Board",
        first.banner_level,
        first.page_count,
    )
    assert row["file"] == first.path.name
    assert view.open_button.isEnabled()
    assert str(first.path) in view.detail_label.text()

    window = view.open_selected()
    assert window is not None  # deletes itself when closed (not handed to qtbot)
    assert window.preview.document.pageCount() == first.page_count  # type: ignore[attr-defined]
    window.close()
    assert view.open_selected_externally() and view.reveal_selected()
    assert no_desktop == [
        QUrl.fromLocalFile(str(first.path)),
        QUrl.fromLocalFile(str(first.path.parent)),
    ]

    first.path.unlink()
    demo.notify_changed()
    assert view.model.rows()[0]["file"].endswith("(not found)")
    assert not view.open_button.isEnabled() and view.regenerate_button.isEnabled()
    assert (
        "cannot be found" in view.detail_label.text() and "Regenerate" in view.detail_label.text()
    )

    again = view.regenerate_selected()  # deletes itself when closed
    assert again.regenerating and Path(again.output_edit.text()) == first.path  # back where it was
    settle(qtbot, again)
    second = build(qtbot, again)
    assert second.path == first.path and first.path.is_file()

    old, new = records(demo)[1], records(demo)[0]
    before, after = json.loads(old.parameters), json.loads(new.parameters)
    assert before["since"] is None  # the first pack counted from the period start (no earlier pack)
    assert after.pop("since") == before["date_from"]  # ... and the rebuild counts from the same day
    before.pop("since")
    assert after == before
    assert (new.banner_level, new.ceiling, new.page_count) == (
        old.banner_level,
        old.ceiling,
        old.page_count,
    )
    assert view.model.rowCount() == 2
    assert all(not r["file"].endswith("(not found)") for r in view.model.rows())


def test_ctrl_p_dialog_build_list_and_preview_end_to_end(qtbot: Any, demo: Any) -> None:
    from desktop.main_window import MainWindow

    win = MainWindow(demo, show_welcome=False)
    qtbot.addWidget(win)
    win.change_watcher.stop()
    win.show()
    assert win.briefing_action.isEnabled()
    assert QKeySequence(QKeySequence.StandardKey.Print) in win.briefing_action.shortcuts()
    win.briefing_action.trigger()
    dialog = bd._OPEN[id(demo)]  # deletes itself when closed
    assert dialog.isVisible() and not dialog.isModal()
    win.briefing_action.trigger()  # a second Ctrl+P raises the same dialog
    assert bd._OPEN[id(demo)] is dialog
    settle(qtbot, dialog)
    result = build(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    page = win.page("Briefings")
    assert page is not None and win.current_page() is page
    assert [e.record.sha256 for e in page.entries()] == [result.sha256]  # type: ignore[attr-defined]
    previews = [
        w
        for w in QApplication.topLevelWidgets()
        if w.objectName() == "pdf_preview_window" and w.isVisible()
    ]
    assert len(previews) == 1
    qtbot.addWidget(previews[0])
    (record,) = records(demo)
    assert previews[0].preview.document.status() == QPdfDocument.Status.Ready  # type: ignore[attr-defined]
    assert previews[0].preview.document.pageCount() == record.page_count  # type: ignore[attr-defined]
    # Where the pack went is remembered on this machine; the register keeps only the name.
    assert (
        find_pack_file(demo.settings, record.sha256, record.file_name).path == result.path.resolve()
    )
    wait_tasks(qtbot)


def test_regenerate_pins_changes_since_to_the_date_the_pack_used(demo: Any) -> None:
    day1 = dt.datetime.combine(TODAY - dt.timedelta(days=20), dt.time(8), tzinfo=dt.UTC)
    day2 = dt.datetime.combine(TODAY - dt.timedelta(days=5), dt.time(8), tzinfo=dt.UTC)
    params = BriefingParameters(
        date_from=TODAY - dt.timedelta(days=29), date_to=TODAY, ceiling="PUBLIC", issue=True
    ).to_json()
    with demo.register.write() as session:
        for when, name in ((day1, "one.pdf"), (day2, "two.pdf")):
            bq_write.add_briefing_record(
                session,
                record=BriefingRecord(
                    created_at=when,
                    actor="t",
                    title=name,
                    parameters=params,
                    ceiling="PUBLIC",
                    banner_level="PUBLIC",
                    page_count=1,
                    sha256=name * 4,
                    file_name=name,
                    edition=ISSUED,  # an issued pack is the next one's baseline
                ),
            )
    two, one = records(demo)
    assert regeneration_parameters(demo.register, two).since == day1.date()
    assert regeneration_parameters(demo.register, one).since == TODAY - dt.timedelta(days=29)
    regenerated = BriefingParameters.from_json(two.parameters)
    assert regenerated.ceiling == "PUBLIC" and regenerated.date_to == TODAY
    with demo.register.session() as session:
        assert bq.latest_briefing_date(session) == day2.date()
        assert bq.briefing_count(session) == 2
        assert bq.get_briefing(session, briefing_id=one.id) == one


def test_print_button_goes_through_the_print_dialog_and_its_page_range(
    qtbot: Any,
    built_pack: tuple[Path, BriefingResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The system print dialog is modal and native; a stand-in answers it as a user would:
    a PDF printer, pages 2 to 3."""
    path, result = built_pack
    out = tmp_path / "dialog.pdf"
    asked: dict[str, Any] = {}

    class FakePrintDialog:
        DialogCode = pdf_preview.QPrintDialog.DialogCode

        def __init__(self, printer: QPrinter, parent: Any) -> None:
            self.printer = printer

        def setWindowTitle(self, title: str) -> None:
            asked["title"] = title

        def setMinMax(self, low: int, high: int) -> None:
            asked["range"] = (low, high)

        def setFromTo(self, low: int, high: int) -> None:
            pass

        def setOptions(self, options: Any) -> None:
            asked["options"] = options

        def exec(self) -> Any:
            self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            self.printer.setOutputFileName(str(out))
            self.printer.setPrintRange(QPrinter.PrintRange.PageRange)
            self.printer.setFromTo(2, 3)
            return self.DialogCode.Accepted

    monkeypatch.setattr(pdf_preview, "QPrintDialog", FakePrintDialog)
    preview = PdfPreview()
    qtbot.addWidget(preview)
    preview.load(path)
    with qtbot.waitSignal(preview.printed) as blocker:
        preview.print_action.trigger()
    assert blocker.args == [2]
    assert asked["range"] == (1, result.page_count)
    assert asked["options"] & pdf_preview.QAbstractPrintDialog.PrintDialogOption.PrintPageRange
    assert len(PdfReader(str(out)).pages) == 2


def test_partnerships_above_the_ceiling_are_not_listed_and_not_kept_ticked(
    qtbot: Any, demo: Any
) -> None:
    from PySide6.QtCore import Qt

    from db.classification import rank

    dialog = make_dialog(qtbot, demo)
    dialog.ceiling_combo.setCurrentIndex(dialog.ceiling_combo.findData("SECRET"))
    items = [dialog.partnership_list.item(i) for i in range(dialog.partnership_list.count())]
    assert items and not any(item.isHidden() for item in items)  # SECRET admits them all
    above_restricted = [
        item
        for item in items
        if rank(str(item.data(Qt.ItemDataRole.UserRole + 1))) > rank("RESTRICTED")
    ]
    assert above_restricted, "the demo register has a partnership above RESTRICTED"
    tick(dialog, str(above_restricted[0].data(Qt.ItemDataRole.UserRole)))
    settle(qtbot, dialog)
    assert "covers 1 partnership" in dialog.scope_note.text()

    dialog.ceiling_combo.setCurrentIndex(dialog.ceiling_combo.findData("RESTRICTED"))
    shown = settle(qtbot, dialog)
    for item in items:
        level = str(item.data(Qt.ItemDataRole.UserRole + 1))
        assert item.isHidden() == (rank(level) > rank("RESTRICTED")), level
    assert all(item.checkState() == Qt.CheckState.Unchecked for item in above_restricted)
    assert dialog.partnership_refs() == []
    assert "None ticked" in dialog.scope_note.text()
    assert rank(shown.banner_level) <= rank("RESTRICTED")


def test_a_draft_is_issued_from_the_list_with_its_distribution_and_note(
    qtbot: Any, demo: Any
) -> None:
    """Build a draft, then Issue it from the Briefings list: the dialog comes with "Issue"
    ticked, the user names the distribution and writes a note; the issued record says
    who issued it and to whom, and its pack carries no DRAFT mark."""
    view = BriefingsView(demo)
    qtbot.addWidget(view)
    view.show()
    dialog = make_dialog(qtbot, demo)
    assert not dialog.edition_box.issue and dialog.build_button.text() == "&Build"
    draft = build(qtbot, dialog)
    assert "DRAFT" in page_text(draft.path)
    (row,) = records(demo)
    assert row.edition == DRAFT and row.issued_by is None
    view.select_record(row.id)
    assert view.issue_button.isEnabled() and "Draft: not issued" in view.detail_label.text()

    issuing = view.issue_selected()
    qtbot.addWidget(issuing)
    assert issuing.windowTitle() == "Issue briefing pack"
    assert issuing.edition_box.issue and issuing.build_button.text() == "&Issue"
    qtbot.keyClicks(issuing.edition_box.distribution_edit, "Board; CEO")
    issuing.preparer.edit.setText("Dana Analyst")  # the name printed, never the login
    issuing.edition_box.note_edit.setPlainText("NOTEFROMAPP the letters have moved to the press")
    issuing.edition_box.note_level.set_value("UNCLASSIFIED")
    settle(qtbot, issuing)
    issued = build(qtbot, issuing)

    newest = records(demo)[0]
    assert newest.edition == ISSUED and newest.issued_by == demo.actor
    assert newest.distribution == "Board; CEO" and newest.issued_at is not None
    with demo.register.session() as session:
        stored = session.get(BriefingRecord, newest.id)
        assert stored is not None
        assert stored.note == "NOTEFROMAPP the letters have moved to the press"
        assert stored.note_classification == "UNCLASSIFIED"
    texts = [p.extract_text() for p in PdfReader(str(issued.path)).pages]
    assert not any("DRAFT" in t for t in texts)
    assert "Issued by Dana Analyst on" in texts[0] and "to Board; CEO" in texts[0]
    assert any("NOTEFROMAPP" in t for t in texts)
    view.select_record(newest.id)
    assert not view.issue_button.isEnabled()  # issued already
    assert "Issued by" in view.detail_label.text() and "Board; CEO" in view.detail_label.text()


# --------------------------------------------------------------------------- the default "since"


@pytest.mark.parametrize("scoped", [False, True], ids=["whole register", "one partnership"])
def test_the_default_since_is_the_baseline_the_pack_itself_uses(
    qtbot: Any, demo: Any, scoped: bool
) -> None:
    """Differential: at every ceiling, for the whole register and for one partnership, the
    date the dialog proposes is the one the pack counts from."""
    from db.classification import LEVELS

    with demo.register.session() as session:
        lowest = min(bq.partnership_choices(session), key=lambda c: LEVELS.index(c.classification))
    # An issued pack per level and scope, newer the higher its ceiling (a rule that ignored
    # the ceiling would take the newest); a newer draft and a pack of another scope, both
    # never a baseline; one issued pack after the period (not counted from either).
    for n, level in enumerate(LEVELS):
        at = dt.datetime.combine(TODAY - dt.timedelta(days=25 - 3 * n), dt.time(9), tzinfo=dt.UTC)
        _record_pack(demo, at=at, ceiling=level.value)
        _record_pack(demo, at=at + dt.timedelta(days=1), ceiling=level.value, scope=lowest.ref)
    _record_pack(demo, at=dt.datetime.now(dt.UTC), ceiling="PUBLIC", edition=DRAFT)
    _record_pack(demo, at=dt.datetime.now(dt.UTC), ceiling="PUBLIC", scope="P-999")

    dialog = make_dialog(qtbot, demo)
    if scoped:
        tick(dialog, lowest.ref)
    shown: set[dt.date] = set()
    for level in LEVELS:
        dialog.ceiling_combo.setCurrentIndex(dialog.ceiling_combo.findData(level.value))
        params = dialog.parameters()
        assert params.since is None  # left to the builder
        assert bool(params.partnership_refs) is (
            scoped and LEVELS.index(level) >= LEVELS.index(lowest.classification)
        )
        day, basis = _pack_since(demo, params)
        assert bd.pydate(dialog.since_edit.date()) == day, level
        assert dialog.default_since() == bd.periods.Since(day, basis)
        assert ("previous pack" in dialog.since_note.text()) is (
            basis == bd.periods.SINCE_PREVIOUS_PACK
        )
        shown.add(day)
    assert len(shown) == len(LEVELS)  # each ceiling had a baseline of its own


def test_an_invariant_rebuild_counts_from_the_pack_its_day_saw(qtbot: Any, demo: Any) -> None:
    """An invariant pack looks only at packs made before its day began: a pack issued
    later that day is not its baseline, in the dialog as in the pack."""
    earlier = dt.datetime.combine(TODAY - dt.timedelta(days=5), dt.time(9), tzinfo=dt.UTC)
    _record_pack(demo, at=earlier, ceiling="UNCLASSIFIED")
    _record_pack(demo, at=dt.datetime.now(dt.UTC).replace(microsecond=0), ceiling="UNCLASSIFIED")
    params = BriefingParameters(
        title="Board pack",
        date_from=TODAY - dt.timedelta(days=29),
        date_to=TODAY,
        ceiling="UNCLASSIFIED",
        invariant=True,
        today=TODAY,
    )
    dialog = make_dialog(qtbot, demo, initial=params)
    assert _pack_since(demo, dialog.parameters()) == (
        earlier.date(),
        bd.periods.SINCE_PREVIOUS_PACK,
    )
    assert bd.pydate(dialog.since_edit.date()) == earlier.date()
