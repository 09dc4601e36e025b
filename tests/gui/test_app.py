"""The composition root: a register that cannot open is explained, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from desktop import app as app_module


def test_a_foreign_file_is_explained_and_another_can_be_chosen(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    foreign = tmp_path / "letter.db"
    foreign.write_text("Dear board, ...")
    good = tmp_path / "register.db"
    asked: list[str] = []

    def ask(message: str, parent: Any = None) -> str:
        asked.append(message)
        return str(good)

    monkeypatch.setattr(app_module, "ask_for_register", ask)
    register: Any = app_module.open_register_interactively(str(foreign))
    try:
        assert asked and "letter.db" in asked[0] and "Traceback" not in asked[0]
        assert register.path == good
        assert foreign.read_text() == "Dear board, ..."
    finally:
        register.dispose()


def test_main_quits_with_1_when_the_user_gives_up(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    foreign = tmp_path / "letter.db"
    foreign.write_text("not a register")
    monkeypatch.setattr(app_module, "ask_for_register", lambda message, parent=None: None)
    assert app_module.main(str(foreign)) == 1


def test_main_opens_the_window_and_remembers_the_register(
    qapp: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.main_window import MainWindow
    from desktop.settings import Settings

    target = tmp_path / "mine.db"
    shown: list[MainWindow] = []

    def fake_exec(_app: Any = None) -> int:
        # Instead of the real loop (whose quit would end other tests' loops too):
        # let the window settle, note it, close it.
        qtbot.wait(100)
        shown.extend(
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        )
        for window in shown:
            window.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    qapp.setQuitOnLastWindowClosed(False)
    try:
        assert app_module.main(str(target)) == 0
    finally:
        qapp.setQuitOnLastWindowClosed(True)
    assert len(shown) == 1
    assert shown[0].on_welcome()  # a new, empty register
    assert Settings().last_database == str(target)
    assert target.exists()
