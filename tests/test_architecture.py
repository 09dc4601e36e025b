"""The layering contract of STYLE.md, checked on every test run.

db/, desktop/services/ and desktop/briefing/ never import Qt; db/ never imports
desktop/; the modules of db/ and of desktop/ import only from the layers below their
own (no circle).
import-linter reads the contracts from pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


def test_command_line_start_imports_no_gui_or_pdf_stack() -> None:
    """`risk-tracker --version` and `--help` must stay instant: no Qt, ReportLab or SQLAlchemy."""
    code = (
        "import sys; from desktop import cli; "
        "cli.build_parser(); "
        "heavy = [m for m in ('PySide6', 'reportlab', 'sqlalchemy', 'sqlmodel') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


# Qt names that read files' content (or make a dialog that does) when they list a folder.
# On POSIX, closing any descriptor of the register's files drops SQLite's locks for the
# whole process (STYLE.md habit 15), so only desktop/widgets/file_dialogs.py, whose
# dialogs never read content, may use them.
CONTENT_READING_QT_NAMES = {
    "QFileDialog",
    "QFileIconProvider",
    "QAbstractFileIconProvider",
    "QFileSystemModel",
    "QMimeDatabase",
    "PrintToFile",  # the print dialog's own "Print to file" opens a Qt file dialog
}
FILE_DIALOG_HOME = Path("desktop/widgets/file_dialogs.py")


def _names_used(source: str) -> set[str]:
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.alias):
            found.add(node.name.rsplit(".", 1)[-1])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)  # getattr(QtWidgets, "QFileDialog") counts too
    return found


def content_reading_qt_uses(root: Path) -> dict[str, set[str]]:
    """``{file: names}`` for every module outside file_dialogs.py that uses such a name."""
    uses: dict[str, set[str]] = {}
    for package in ("desktop", "db"):
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if relative == FILE_DIALOG_HOME:
                continue
            names = _names_used(path.read_text(encoding="utf-8")) & CONTENT_READING_QT_NAMES
            if names:
                uses[str(relative)] = names
    return uses


def test_file_dialogs_are_made_in_one_place_only() -> None:
    assert content_reading_qt_uses(ROOT) == {}


def test_the_file_dialog_rule_catches_a_new_dialog(tmp_path: Path) -> None:
    """The check above can fail: a dialog added the usual way is reported."""
    (tmp_path / "desktop" / "dialogs").mkdir(parents=True)
    (tmp_path / "db").mkdir()
    (tmp_path / "desktop" / "dialogs" / "new_dialog.py").write_text(
        "from PySide6 import QtWidgets\n"
        "def pick(parent):\n"
        "    return QtWidgets.QFileDialog.getOpenFileName(parent)\n"
    )
    (tmp_path / "desktop" / "widgets").mkdir()
    (tmp_path / "desktop" / "widgets" / "icons.py").write_text(
        "from PySide6.QtCore import QMimeDatabase as M\n"
    )
    assert content_reading_qt_uses(tmp_path) == {
        "desktop/dialogs/new_dialog.py": {"QFileDialog"},
        "desktop/widgets/icons.py": {"QMimeDatabase"},
    }
