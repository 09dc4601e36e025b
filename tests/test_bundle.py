"""The stand-alone bundle, tested as built: ``python -m desktop.build``, then the program.

The bundle is built once per state of the sources on a machine: it is kept in
``build/bundle-test/<key>/`` where the key hashes the commit checked out, every file
that goes into the bundle (``desktop/``, ``db/``, ``resources/``), ``pyproject.toml``,
``uv.lock`` and the Python version, so a new commit or any edit builds afresh, and an
older build is deleted when a new one is made.  (A build takes about a minute and a
half on two busy cores; the checks after it a few seconds.)

Every run of the bundled program gets an environment with nothing of the development
set-up: no ``PATH``, no ``PYTHONPATH``, no virtual environment, a throwaway home.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "bundle-test"
EXE = "risk-tracker.exe" if sys.platform == "win32" else "risk-tracker"
SOURCES = ("desktop", "db", "resources")


def source_key() -> str:
    digest = hashlib.sha256()
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    digest.update(f"{head}\n{sys.version}\n".encode())
    files = [ROOT / "pyproject.toml", ROOT / "uv.lock"]
    for folder in SOURCES:
        files += sorted(p for p in (ROOT / folder).rglob("*") if p.is_file())
    for path in files:
        if "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cached_bundle() -> Path:
    """The bundle folder for the sources as they are, built if this machine has none."""
    key = source_key()
    out = CACHE / key
    program = out / "risk-tracker" / EXE
    if program.exists() and (out / "complete").exists():
        return program.parent
    if CACHE.exists():
        shutil.rmtree(CACHE)  # an older build of other sources: never reused
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "desktop.build", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    (out / "complete").write_text(f"built in {time.perf_counter() - start:.0f} s\n")
    return program.parent


@pytest.fixture(scope="module")
def bundle() -> Path:
    return cached_bundle()


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """Nothing of the development environment: no PATH, PYTHONPATH or venv."""
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
    }
    env.update(extra)
    return env


def run(bundle: Path, home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle / EXE), *args],
        env=clean_env(home, **extra),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def demo(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo register made by the bundle (through its bundled Alembic revisions)."""
    home = tmp_path_factory.mktemp("bundle-demo")
    register = home / "demo.db"
    done = run(bundle, home, "demo", "--db", str(register))
    assert done.returncode == 0, done.stderr
    assert "Loaded the demo register" in done.stdout
    return register


def test_the_bundle_runs_the_command_line_and_makes_a_pack(
    bundle: Path, demo: Path, tmp_path: Path
) -> None:
    from desktop import __version__

    done = run(bundle, tmp_path, "--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"risk-tracker {__version__}")

    register = tmp_path / "demo.db"
    shutil.copy(demo, register)  # the pack is recorded in the register: keep the demo as made
    pack = tmp_path / "pack.pdf"
    done = run(bundle, tmp_path, "brief", "--db", str(register), "--out", str(pack))
    assert done.returncode == 0, done.stderr
    reader = PdfReader(pack)
    assert len(reader.pages) >= 5
    fonts = {
        str(f.get("/BaseFont", ""))
        for page in reader.pages[:2]
        for f in page["/Resources"]["/Font"].values()  # type: ignore[index,union-attr]
    }
    assert any("DejaVuSans" in f for f in fonts)  # resources/fonts came along
    assert "UNCLASSIFIED" in reader.pages[0].extract_text()


def test_the_bundle_opens_the_main_window(bundle: Path, demo: Path, tmp_path: Path) -> None:
    done = run(
        bundle,
        tmp_path,
        "--db",
        str(demo),
        RISK_TRACKER_EXIT_AFTER_PAINT="1",
        PERF_T0=str(time.time()),
    )
    assert done.returncode == 0, done.stderr
    painted = json.loads(done.stdout.strip().splitlines()[-1])
    assert painted["title"] == "Stakeholder Risk Tracker"
    assert painted["platform"] == "offscreen"
    assert 0 < painted["painted_s"] < 60


def test_a_register_made_by_the_bundle_is_at_the_bundled_head(
    bundle: Path, demo: Path, tmp_path: Path
) -> None:
    """``demo`` created the register through the bundled Alembic revisions; ``db check``
    reads the schema revision back."""
    from db.migrations import head_revision

    done = run(bundle, tmp_path, "db", "check", "--db", str(demo))
    assert done.returncode == 0, done.stderr + done.stdout
    assert head_revision() in done.stdout


def test_diagnose_reports_the_bundle_itself(bundle: Path, tmp_path: Path) -> None:
    done = run(bundle, tmp_path, "--diagnose")
    assert done.returncode == 0, done.stderr
    assert "(stand-alone bundle)" in done.stdout
    fonts = next(line for line in done.stdout.splitlines() if line.startswith("fonts"))
    assert str(bundle) in fonts and "DejaVuSans.ttf" in fonts


def test_only_the_qt_modules_the_app_uses_are_inside(bundle: Path) -> None:
    names = {p.name for p in bundle.rglob("*Qt6*")}
    for used in ("Core", "Gui", "Widgets", "PrintSupport", "Pdf", "PdfWidgets"):
        assert any(n.startswith(f"libQt6{used}.") for n in names), used
    for unused in ("Quick", "Qml", "WebEngine", "Multimedia", "3D", "Charts", "Sql"):
        assert not any(n.startswith(f"libQt6{unused}") for n in names), unused
    assert not list(bundle.rglob("PySide6/Qt/translations/*"))
    assert (bundle / "_internal" / "db" / "migrations" / "versions").is_dir()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="menu entries are Linux's")
def test_install_puts_the_app_in_the_menu(bundle: Path, tmp_path: Path) -> None:
    env = clean_env(tmp_path, PATH=os.defpath)  # sh needs cp, sed, find
    done = subprocess.run(
        ["sh", str(bundle / "install.sh")], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    entry = (tmp_path / ".local/share/applications/risk-tracker.desktop").read_text()
    lines = dict(line.split("=", 1) for line in entry.splitlines() if "=" in line)
    program = tmp_path / ".local/opt/risk-tracker/risk-tracker"
    assert lines["Exec"] == f"{program} %f"
    assert lines["Icon"] == "risk-tracker" and lines["Type"] == "Application"
    icons = tmp_path / ".local/share/icons/hicolor"
    assert (icons / "48x48/apps/risk-tracker.png").stat().st_size > 500
    assert (icons / "scalable/apps/risk-tracker.svg").exists()
    installed = subprocess.run(
        [str(program), "--version"], env=clean_env(tmp_path), capture_output=True, text=True
    )
    assert installed.returncode == 0
