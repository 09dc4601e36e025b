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
