"""GUI fixtures: settings isolated from the user's, a context and a main window on a real register."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path: Path, qapp: Any) -> Iterator[Path]:
    """Every test writes its settings under its own tmp folder, never the user's."""
    from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    folder = tmp_path / "qsettings"
    folder.mkdir()
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, str(folder / "system"))
    old_org = QCoreApplication.organizationName()
    QCoreApplication.setOrganizationName(f"risk-tracker-test-{tmp_path.name}")
    yield folder
    QCoreApplication.setOrganizationName(old_org)


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    """A test that runs the app's start (``desktop.app.main``, ``_application``) pauses the
    garbage collector until a window paints, then freezes what is alive
    (desktop/startup_gc.py): never left that way for the next test."""
    import gc

    from desktop import startup_gc

    yield
    startup_gc.resume()
    gc.unfreeze()


@pytest.fixture
def settings(isolated_qsettings: Path) -> Any:
    from PySide6.QtCore import QSettings

    from desktop.settings import Settings

    qs = QSettings(str(isolated_qsettings / "risk-tracker.ini"), QSettings.Format.IniFormat)
    # Nobody else polls during a test: the window's timer would only add noise.
    return Settings(qs)


@pytest.fixture
def context(register: Any, settings: Any) -> Iterator[Any]:
    from desktop.context import AppContext

    ctx = AppContext(register, settings)
    yield ctx
    ctx.undo_stack.clear()


@pytest.fixture(scope="session")
def filled_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A register file with a few thousand synthetic records, made once per run."""
    from db.engine import open_register
    from db.synthetic import generate

    path = tmp_path_factory.mktemp("template") / "filled.db"
    reg = open_register(path)
    generate(reg, stakeholders=30, partnerships=12, risks=60, events=3000, seed=3, actions=20)
    reg.dispose()
    return path


@pytest.fixture
def filled_register(filled_template: Path, tmp_path: Path) -> Iterator[Any]:
    """A private copy of the filled template (real SQLite file), opened."""
    import shutil

    from db.engine import open_register

    path = tmp_path / "filled.db"
    shutil.copyfile(filled_template, path)
    reg = open_register(path)
    yield reg
    reg.dispose()


def wait_tasks(qtbot: Any, timeout: int = 20_000) -> None:
    """Let background tasks (counts, imports...) start, finish and deliver their signals."""
    from desktop.tasks import active_tasks

    qtbot.waitUntil(lambda: active_tasks() == 0, timeout=timeout)
    qtbot.wait(10)


@pytest.fixture
def member_context(crew: Any, settings: Any) -> Iterator[Any]:
    """``make(who)``: an app context on the module's PostgreSQL team (its ``crew``
    fixture, tests/teamsetup.py) as that member; disposed after the test."""
    from desktop.context import AppContext

    contexts: list[Any] = []

    def make(who: str) -> Any:
        ctx = AppContext(crew.open(who), settings)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.undo_stack.clear()
        ctx.register.dispose()


def events_window(qtbot: Any, register: Any, settings: Any) -> tuple[Any, Any]:
    """The main window as the app builds it (``desktop.app.build_window``), opened on the
    Events page, its change polling stopped; not shown yet.  (window, the Events page)."""
    from desktop import app as desktop_app
    from desktop import settings as keys
    from desktop.pages import RecordPage

    settings.set(keys.LAST_VIEW, "Events")
    window = desktop_app.build_window(register, settings)
    qtbot.addWidget(window)
    window.change_watcher.stop()
    page = window.page("Events")
    assert isinstance(page, RecordPage)
    return window, page
