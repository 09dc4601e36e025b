"""Build the stand-alone application: ``uv run python -m desktop.build [--out DIR]``.

A PyInstaller one-folder bundle that needs no Python on the target machine:
``DIR/risk-tracker/risk-tracker`` (``risk-tracker.exe`` on Windows) is the same
program as ``risk-tracker`` in a development environment, command line and desktop
app.  The default output folder is ``dist/`` (ignored by git); PyInstaller's work
files go to ``build/pyinstaller/``.

What goes in:

- every module of ``desktop`` and ``db`` (commands, pages and dialogs are imported by
  name when first used, which PyInstaller's import scan cannot see);
- ``resources/`` (fonts and icons) beside the code, where ``desktop.resources`` finds
  it, the Alembic revisions (``db/migrations``) as files, because Alembic reads them
  from disk, and the packages' own data files (``db/demo_story.toml``);
- the Qt modules the app imports (QtCore, QtGui, QtWidgets, QtPrintSupport, QtPdf,
  QtPdfWidgets) and nothing else: every other PySide6 module is excluded, so that no
  optional import pulls QtQml, QtNetwork or the web engine into the bundle.

On Linux the bundle also holds ``risk-tracker.desktop``, the icon in the hicolor
sizes (rendered from ``resources/icons/risk-tracker.svg``) and ``install.sh``, which
puts the folder in ``~/.local/opt`` and the app in the desktop's menu.

The same command builds on Windows and macOS (see the README); ``--windowed`` makes
a GUI-only program there (no console window; on macOS an ``.app``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "risk-tracker"
ICON_SVG = ROOT / "resources" / "icons" / "risk-tracker.svg"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

# The PySide6 modules the app imports; every other one is excluded from the bundle.
QT_MODULES_USED = ("QtCore", "QtGui", "QtWidgets", "QtPrintSupport", "QtPdf", "QtPdfWidgets")

# Imported by name at run time (dialects by URL, psycopg's compiled part by psycopg).
HIDDEN_IMPORTS = (
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.dialects.postgresql.psycopg",
    "psycopg_binary",
)
COLLECT_SUBMODULES = ("desktop", "db", "alembic")
# Never needed by the running app, yet reachable through optional imports.  (Pillow
# stays: ReportLab imports it unconditionally.)
EXCLUDED_PACKAGES = (
    "tkinter",
    "PyInstaller",
    "pytest",
    "_pytest",
    "hypothesis",
    "IPython",
    "mypy",
    "tests",
)

DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Version=1.0
Name=Stakeholder Risk Tracker
GenericName=Risk register
Comment=Partnerships, reputational risks, criticism and briefing packs
Exec={exec} %f
Icon=risk-tracker
Terminal=false
Categories=Office;ProjectManagement;
Keywords=risk;register;partnership;stakeholder;briefing;
StartupWMClass=risk-tracker
"""

INSTALL_SH = """\
#!/bin/sh
# Install Stakeholder Risk Tracker for the current user: the program in
# ~/.local/opt/risk-tracker, the menu entry and the icon under ~/.local/share.
# Run it from the unpacked folder:  ./install.sh      (./install.sh --uninstall removes it)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
target=$HOME/.local/opt/risk-tracker
if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$target" "$data/applications/risk-tracker.desktop"
  find "$data/icons/hicolor" -name risk-tracker.png -delete 2>/dev/null || true
  rm -f "$data/icons/hicolor/scalable/apps/risk-tracker.svg"
  echo "Removed Stakeholder Risk Tracker."
  exit 0
fi
if [ "$here" != "$target" ]; then
  rm -rf "$target"
  mkdir -p "$(dirname "$target")"
  cp -R "$here" "$target"
fi
mkdir -p "$data/applications"
sed "s|@EXEC@|$target/risk-tracker|" "$target/share/risk-tracker.desktop.in" \\
  > "$data/applications/risk-tracker.desktop"
(cd "$target/share/icons" && find hicolor -type f) | while read -r icon; do
  mkdir -p "$data/icons/$(dirname "$icon")"
  cp "$target/share/icons/$icon" "$data/icons/$icon"
done
command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "Installed: $target/risk-tracker (menu: Stakeholder Risk Tracker)."
"""


# Collected by PyInstaller's Qt hooks but never used by the app: the virtual keyboard
# input method (it alone pulls in QtQuick and QtQml, ~25 MB) and Qt's translations (the
# app installs no QTranslator).  Matched against each collected file's bundle path.
PRUNED = (
    "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin",
    "PySide6/Qt/lib/libQt6VirtualKeyboard",
    "PySide6/Qt/lib/libQt6Quick",
    "PySide6/Qt/lib/libQt6Qml",
    "PySide6/Qt/translations/",
)
SPEC = ROOT / "desktop" / "risk-tracker.spec"
WINDOWED = os.environ.get("RISK_TRACKER_BUILD_WINDOWED") == "1"


def data_files() -> list[tuple[str, str]]:
    """(source, folder in the bundle): resources/, the Alembic revisions as files, and
    every other non-Python file of the packages (such as db/demo_story.toml)."""
    from PyInstaller.utils.hooks import collect_data_files

    files = [
        (str(ROOT / "resources"), "resources"),
        (str(ROOT / "db" / "migrations"), "db/migrations"),
    ]
    for package in ("db", "desktop"):
        files += collect_data_files(package, excludes=["**/*.spec", "**/__pycache__"])
    return files


def hidden_imports() -> list[str]:
    from PyInstaller.utils.hooks import collect_submodules

    names = list(HIDDEN_IMPORTS)
    for package in COLLECT_SUBMODULES:
        names += collect_submodules(package, filter=lambda name: ".testing" not in name)
    return names


def excluded_modules() -> tuple[str, ...]:
    return EXCLUDED_PACKAGES + unused_qt_modules()


def keep(entries: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The collected files minus ``PRUNED`` (also the links PyInstaller makes to them)."""

    def pruned(entry: tuple[str, str, str]) -> bool:
        paths = (entry[0].replace(os.sep, "/"), str(entry[1]).replace(os.sep, "/"))
        return any(p in path for p in PRUNED for path in paths)

    return [e for e in entries if not pruned(e)]


def unused_qt_modules() -> tuple[str, ...]:
    """Every PySide6 extension module but the ones in ``QT_MODULES_USED``."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations)))
    names = set()
    for path in folder.iterdir():
        stem = path.name.split(".", 1)[0]
        if stem.startswith("Qt") and path.suffix in (".so", ".pyd"):
            names.add(stem)
    return tuple(f"PySide6.{n}" for n in sorted(names - set(QT_MODULES_USED)))


def render_icons(folder: Path, sizes: tuple[int, ...] = ICON_SIZES) -> dict[int, Path]:
    """PNG renderings of the SVG icon, ``folder/hicolor/NxN/apps/risk-tracker.png``."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["build", "-platform", "offscreen"])
    renderer = QSvgRenderer(str(ICON_SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {ICON_SVG}")
    made = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = folder / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path)):
            raise SystemExit(f"cannot write {path}")
        made[size] = path
    scalable = folder / "hicolor" / "scalable" / "apps" / f"{NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ICON_SVG, scalable)
    return made


def platform_icon() -> str | None:
    """An .ico (Windows) or .icns (macOS) made from the rendered PNGs with Pillow (which
    ReportLab depends on, so it is there wherever the app's dependencies are)."""
    if sys.platform not in ("win32", "darwin"):
        return None
    work = ROOT / "build" / "pyinstaller"
    try:
        from PIL import Image
    except ImportError:
        print("note: Pillow is not installed; the program gets PyInstaller's default icon")
        return None
    pngs = render_icons(work / "icons")
    image = Image.open(pngs[256])
    target = work / (f"{NAME}.ico" if sys.platform == "win32" else f"{NAME}.icns")
    image.save(target)
    return str(target)


def add_desktop_integration(bundle: Path) -> None:
    """The menu entry, the icons and ``install.sh`` inside the Linux bundle (``share/``)."""
    share = bundle / "share"
    render_icons(share / "icons")
    (share / f"{NAME}.desktop.in").write_text(DESKTOP_ENTRY.format(exec="@EXEC@"), "utf-8")
    script = bundle / "install.sh"
    script.write_text(INSTALL_SH, "utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def build(out: Path, *, windowed: bool = False) -> Path:
    """Build the bundle into ``out/risk-tracker``; return that folder."""
    import PyInstaller.__main__

    os.environ["RISK_TRACKER_BUILD_WINDOWED"] = "1" if windowed else "0"
    work = ROOT / "build" / "pyinstaller"
    PyInstaller.__main__.run(
        [str(SPEC), "--noconfirm", "--clean", "--log-level", "WARN"]
        + ["--distpath", str(out), "--workpath", str(work)]
    )
    bundle = out / NAME
    if sys.platform.startswith("linux"):
        add_desktop_integration(bundle)
    return bundle


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop.build", description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    parser.add_argument(
        "--windowed", action="store_true", help="Windows/macOS: no console window (.app on macOS)"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    bundle = build(Path(args.out).absolute(), windowed=args.windowed)
    print(
        f"built {bundle} in {time.perf_counter() - start:.0f} s, "
        f"{folder_size(bundle) / 1e6:.0f} MB; run {bundle / NAME}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
