"""``risk-tracker --diagnose``: what the app finds, printed without opening anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_platform_check import _app_env, _broken_plugin_folder


def diagnose(*args: str, env: dict[str, str]) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "--diagnose", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    rows = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition("  ")
        rows[key.strip()] = value.strip()
    return rows


def test_it_names_everything_and_creates_nothing(tmp_path: Path) -> None:
    register = tmp_path / "r.db"
    rows = diagnose("--db", str(register), env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert list(rows) == [
        "risk-tracker",
        "python",
        "qt",
        "platform plugin",
        "plugin file",
        "display",
        "fonts",
        "register",
        "settings file",
        "data folder",
    ]
    assert rows["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert rows["platform plugin"] == "offscreen"
    assert rows["plugin file"].endswith("libqoffscreen.so: its libraries load")
    # DejaVu Sans (4 faces) and the pack's CJK and emoji fallback faces
    assert rows["fonts"].startswith("6 in ") and "DejaVuSans.ttf" in rows["fonts"]
    assert "PackCJK.ttf" in rows["fonts"] and "PackEmoji.ttf" in rows["fonts"]
    assert rows["register"] == f"{register} (SQLite, not created yet; from --db)"
    assert rows["settings file"].startswith(os.environ["XDG_CONFIG_HOME"])
    assert rows["data folder"].startswith(os.environ["XDG_DATA_HOME"])
    assert not register.exists()
    assert not Path(os.environ["XDG_DATA_HOME"]).exists()


def test_a_postgresql_register_shows_its_backend_without_the_password() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["RISK_TRACKER_DB"] = "postgresql+psycopg://anna:s3cret@db.example/risks"
    rows = diagnose(env=env)
    assert rows["register"] == (
        "postgresql+psycopg://anna:***@db.example/risks (postgresql; from $RISK_TRACKER_DB)"
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X11 plugin is Linux-only")
def test_a_plugin_that_does_not_load_is_reported_with_the_fix(tmp_path: Path) -> None:
    platforms = _broken_plugin_folder(tmp_path / "qt")
    rows = diagnose(env=_app_env(DISPLAY=":4242", QT_QPA_PLATFORM_PLUGIN_PATH=str(platforms)))
    assert rows["platform plugin"] == "xcb"
    assert rows["plugin file"] == (
        f"{platforms / 'libqxcb.so'}: does NOT load: libxcb-icccm.so.7, libxcb-keysyms.so.8"
    )
    assert rows["fix"].startswith("Install the packages that provide them")
    assert rows["display"] == "DISPLAY=:4242 WAYLAND_DISPLAY=-"
