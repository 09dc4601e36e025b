"""The path to the first painted rows: the garbage collector paused until the window
has painted (desktop/startup_gc.py), and nothing imported that the first page does
not need."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop import app as app_module
from desktop import paint_gate, startup_gc
from tests.gui.conftest import events_window

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def collector() -> Iterator[None]:
    """Leave the collector as the test found it: running, nothing frozen."""
    yield
    startup_gc.resume()
    paint_gate.release()
    gc.unfreeze()
    gc.enable()


def test_pause_and_resume(collector: None) -> None:
    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    startup_gc.pause()
    assert not gc.isenabled() and startup_gc.is_paused()
    startup_gc.pause()  # twice: still one pause
    startup_gc.resume()
    assert gc.isenabled() and not startup_gc.is_paused()
    assert gc.get_freeze_count() > frozen_before  # what lived through start-up is frozen
    startup_gc.resume()  # nothing to undo
    assert gc.isenabled()


def test_a_collector_turned_off_by_someone_else_stays_off(collector: None) -> None:
    gc.disable()
    startup_gc.pause()
    assert not startup_gc.is_paused()
    startup_gc.resume()
    assert not gc.isenabled()  # not ours to turn on


def test_the_collector_runs_again_once_the_window_has_painted(
    qtbot: Any, filled_register: Any, settings: Any, collector: None
) -> None:
    app_module._application()  # where the app's start pauses it
    assert not gc.isenabled()
    window, _page = events_window(qtbot, filled_register, settings)
    assert not gc.isenabled()  # built, the first page read, not yet painted
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(gc.isenabled, timeout=2000)  # right after the paint, not the fallback
    assert not startup_gc.is_paused()


def test_a_register_that_cannot_open_resumes_the_collector_before_asking(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collector: None
) -> None:
    foreign = tmp_path / "letter.db"
    foreign.write_text("Dear board, ...")
    collecting_when_asked: list[bool] = []

    def ask(message: str, parent: Any = None) -> None:
        collecting_when_asked.append(gc.isenabled())

    monkeypatch.setattr(app_module, "ask_for_register", ask)
    startup_gc.pause()
    assert app_module.open_register_interactively(str(foreign)) is None
    assert collecting_when_asked == [True]


# The modules of features the first page does not show (bulk edit, undo commands, the
# import pipeline): imported when first used, not on the way to the first paint.
NOT_ON_THE_START_PATH = (
    "desktop.dialogs.bulk_edit_dialog",
    "desktop.undo",
    "desktop.services.bulk_edit",
    "desktop.services.imports",
    "db.importexport",
)


def test_the_events_page_opens_without_the_bulk_edit_and_import_stacks(
    tmp_path: Path, filled_register: Any
) -> None:
    code = f"""
import sys
from desktop import app
from desktop import settings as keys
from desktop.settings import Settings
qt = app._application()
settings = Settings()
settings.set(keys.LAST_VIEW, "Events")
register = app.open_register_interactively({str(filled_register.path)!r})
window = app.build_window(register, settings)
assert window.page("Events") is not None
print("imported:" + ",".join(m for m in {NOT_ON_THE_START_PATH!r} if m in sys.modules))
"""
    assert _python(code, tmp_path).strip().splitlines()[-1] == "imported:"


def _python(code: str, tmp_path: Path) -> str:
    """Run ``code`` in a fresh interpreter (a start-up of its own); its output."""
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_bulk_edit_still_opens_from_the_register_view(
    qtbot: Any, filled_register: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dialog imported on first use is the real one, called with the selection."""
    from desktop.context import AppContext
    from desktop.dialogs import bulk_edit_dialog
    from desktop.views.register_view import RegisterView

    calls: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(
        bulk_edit_dialog,
        "ask_and_bulk_edit",
        lambda context, kind, ids, parent: calls.append((kind, list(ids))),
    )
    view = RegisterView(AppContext(filled_register, settings), "risk")
    qtbot.addWidget(view)
    view.table.selectRow(0)
    view.bulk_edit_selected()
    assert calls == [("risk", view.selected_ids())] and calls[0][1]


def _modules_after_application(target: str | None, tmp_path: Path) -> list[str]:
    """The modules in the order they were imported, once ``_application(target)`` ran."""
    code = f"import sys\nfrom desktop import app\napp._application({target!r})\n"
    return _python(code + "print(' '.join(sys.modules))\n", tmp_path).split()


def test_a_server_register_named_at_start_has_its_driver_imported_before_qt(
    tmp_path: Path,
) -> None:
    """Before PySide6, whose import hook reads the source of every later module."""
    modules = _modules_after_application("postgresql+psycopg://someone@127.0.0.1:1/x", tmp_path)
    assert "psycopg" in modules and "sqlalchemy.dialects.postgresql.psycopg" in modules
    assert modules.index("psycopg") < modules.index("PySide6")
    assert modules.index("db.queries.registers") < modules.index("PySide6")


def test_a_register_file_brings_no_server_driver(tmp_path: Path) -> None:
    for target in (str(tmp_path / "r.db"), None, "nosuchdriver://x/y", "postgresql+nosuch://x/y"):
        modules = _modules_after_application(target, tmp_path)
        assert "psycopg" not in modules, target
