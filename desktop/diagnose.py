"""``risk-tracker --diagnose``: what the app finds on this machine, one line per item.

For a support request or a first start that goes wrong: Python, Qt and the platform
plugin the window would use (and whether its libraries load), the fonts of the
briefing pack, the register the app would open and its backend, the settings file
and the data folder.  It only looks: no register is opened or created, no window
is shown.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def report(db: str | None = None, env: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(item, what was found) pairs, in the order printed."""
    env = dict(os.environ) if env is None else env
    rows: list[tuple[str, str]] = []
    from desktop import __version__

    frozen = " (stand-alone bundle)" if getattr(sys, "frozen", False) else ""
    rows.append(("risk-tracker", f"{__version__}{frozen}: {Path(sys.executable)}"))
    rows.append(("python", f"{platform.python_version()} on {platform.platform()}"))
    rows += _qt_rows(env)
    rows.append(("fonts", _fonts()))
    rows += _register_rows(db, env)
    return rows


def _qt_rows(env: dict[str, str]) -> list[tuple[str, str]]:
    try:
        import PySide6
        from PySide6 import QtCore
    except ImportError as exc:
        return [("qt", f"PySide6 cannot be imported: {exc}")]
    from desktop import platform_check as pc

    rows = [("qt", f"Qt {QtCore.qVersion()}, PySide6 {PySide6.__version__}")]
    name = pc.qt_platform(env) if sys.platform.startswith("linux") else "(the system's own)"
    rows.append(("platform plugin", str(name)))
    if name in ("xcb", "wayland", "offscreen", "minimal"):
        plugin = pc.find_plugin(f"libq{name}.so", env)
        if plugin is None:
            rows.append(("plugin file", f"libq{name}.so not found in {pc.plugin_folders(env)[0]}"))
        else:
            check = pc.check_plugin(plugin)
            state = (
                "its libraries load"
                if check.loads
                else "does NOT load: " + (", ".join(check.missing) or check.error)
            )
            rows.append(("plugin file", f"{plugin}: {state}"))
            if check.missing:
                rows.append(("fix", pc.install_hint(check.missing).replace("\n", " ")))
    display = env.get("DISPLAY") or "-"
    rows.append(
        ("display", f"DISPLAY={display} WAYLAND_DISPLAY={env.get('WAYLAND_DISPLAY') or '-'}")
    )
    return rows


def _fonts() -> str:
    from desktop.resources import RESOURCES_DIR

    folder = RESOURCES_DIR / "fonts"
    found = sorted(p.name for p in folder.glob("*.ttf")) if folder.is_dir() else []
    if not found:
        return f"MISSING: no .ttf in {folder} (briefing packs cannot be built)"
    return f"{len(found)} in {folder}: {', '.join(found)}"


def _register_rows(db: str | None, env: dict[str, str]) -> list[tuple[str, str]]:
    from db.engine import ENV_VAR, default_database_path, describe, resolve_url, sqlite_path
    from db.errors import RegisterError
    from desktop.settings import LAST_DATABASE, default_qsettings

    qsettings = default_qsettings()
    last = str(qsettings.value(LAST_DATABASE.name, "") or "")
    if db:
        target, source = db, "--db"
    elif env.get(ENV_VAR):
        target, source = env[ENV_VAR], f"${ENV_VAR}"
    elif last:
        target, source = last, "the register opened last (settings)"
    else:
        target, source = str(default_database_path()), "the default file"
    rows = []
    try:
        url = resolve_url(target)  # a named target: nothing is created
        path = sqlite_path(url)
        backend = "SQLite" if path is not None else url.split(":", 1)[0].split("+", 1)[0]
        state = ""
        if path is not None:
            state = f", {path.stat().st_size:,} bytes" if path.exists() else ", not created yet"
        rows.append(("register", f"{describe(url)} ({backend}{state}; from {source})"))
    except RegisterError as exc:
        rows.append(("register", f"{target}: {exc} (from {source})"))
    settings_file = Path(qsettings.fileName())
    rows.append(
        ("settings file", f"{settings_file}{'' if settings_file.exists() else ' (none yet)'}")
    )
    rows.append(("data folder", str(default_database_path().parent)))
    return rows


def run(db: str | None = None) -> int:
    rows = report(db)
    width = max(len(k) for k, _v in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    return 0
