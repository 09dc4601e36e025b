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
    monkeypatch.setattr(app_module, "confirm_new_register", lambda path: True)
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
    monkeypatch.setattr(app_module, "confirm_new_register", lambda path: path == target)
    qapp.setQuitOnLastWindowClosed(False)
    try:
        assert app_module.main(str(target)) == 0
    finally:
        qapp.setQuitOnLastWindowClosed(True)
    assert len(shown) == 1
    assert shown[0].on_welcome()  # a new, empty register
    assert Settings().last_database == str(target)
    assert target.exists()


def _answer_question(qtbot: Any, button: Any, seen: list[str]) -> None:
    """Answer the next question box with ``button`` once it is up."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.button(button).click()
        else:
            QTimer.singleShot(20, answer)

    QTimer.singleShot(0, answer)


def test_the_app_asks_before_creating_a_register_and_no_creates_nothing(
    qapp: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    typo = tmp_path / "regsiter.db"
    seen: list[str] = []
    asked: list[str] = []
    monkeypatch.setattr(
        app_module, "ask_for_register", lambda message, parent=None: asked.append(message)
    )
    _answer_question(qtbot, QMessageBox.StandardButton.No, seen)
    assert app_module.open_register_interactively(str(typo)) is None
    assert len(seen) == 1 and str(typo) in seen[0]
    assert asked and "no register was created" in asked[0]
    assert not typo.exists()
    assert not list(tmp_path.glob("*.db*")) and not list(tmp_path.glob(".*"))


def test_the_app_creates_the_register_when_the_user_says_yes(
    qapp: Any, qtbot: Any, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMessageBox

    target = tmp_path / "new.db"
    seen: list[str] = []
    _answer_question(qtbot, QMessageBox.StandardButton.Yes, seen)
    register: Any = app_module.open_register_interactively(str(target))
    try:
        assert len(seen) == 1 and register.path == target and target.stat().st_size > 0
    finally:
        register.dispose()
