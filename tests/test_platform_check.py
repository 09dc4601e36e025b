"""The start that explains itself: a missing X11 library is named, with its install command.

The end-to-end test makes a real X11 plugin whose libraries are missing, without a
container and without touching the system: it copies PySide6's ``libqxcb.so`` into a
folder laid out like Qt's (``plugins/platforms`` beside ``lib``, which the plugin's
``RUNPATH $ORIGIN/../../lib`` points at), links every Qt library into that ``lib``
except ``libQt6XcbQpa.so.6``, which is a copy whose dependency list names
``libxcb-icccm.so.7`` and ``libxcb-keysyms.so.8`` instead of ``.so.4`` and ``.so.1``
(same length, patched in its string table; those versions exist nowhere).  The
dynamic loader then fails on that plugin exactly as it fails on a desktop without the
packages, and ``QT_QPA_PLATFORM_PLUGIN_PATH``, which Qt itself honours, points the
app at it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import platform_check as pc

PYSIDE_QT = pc._pyside_folder() / "Qt"
BIN = Path(sys.executable).parent
linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the X11 plugin exists on Linux only"
)


def _broken_plugin_folder(root: Path) -> Path:
    """A copy of Qt's xcb plugin that lacks two libraries; returns its platforms folder."""
    platforms = root / "plugins" / "platforms"
    lib = root / "lib"
    platforms.mkdir(parents=True)
    lib.mkdir()
    shutil.copy(PYSIDE_QT / "plugins" / "platforms" / pc.XCB_PLUGIN, platforms)
    for item in (PYSIDE_QT / "lib").iterdir():
        if item.name != "libQt6XcbQpa.so.6":
            (lib / item.name).symlink_to(item)
    data = (PYSIDE_QT / "lib" / "libQt6XcbQpa.so.6").read_bytes()
    for old, new in ((b"libxcb-icccm.so.4\0", b"libxcb-icccm.so.7\0"),
                     (b"libxcb-keysyms.so.1\0", b"libxcb-keysyms.so.8\0")):  # fmt: skip
        assert data.count(old) == 1, old
        data = data.replace(old, new)
    (lib / "libQt6XcbQpa.so.6").write_bytes(data)
    return platforms


def _app_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND"))}
    env.update(extra)
    return env


@linux_only
def test_the_app_names_the_missing_libraries_and_exits_1(tmp_path: Path) -> None:
    platforms = _broken_plugin_folder(tmp_path / "qt")
    done = subprocess.run(
        [str(BIN / "risk-tracker"), "--db", str(tmp_path / "r.db")],
        env=_app_env(DISPLAY=":4242", QT_QPA_PLATFORM_PLUGIN_PATH=str(platforms)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    err = done.stderr
    assert err.startswith("risk-tracker: cannot open a window: Qt's X11 platform plugin needs")
    assert "  libxcb-icccm.so.7\n  libxcb-keysyms.so.8\n" in err
    assert "Install the packages that provide them" in err
    assert "Traceback" not in err and "qt.qpa" not in err  # ours, not Qt's abort
    assert not (tmp_path / "r.db").exists()  # nothing was started


def _in_fresh_process(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter: once a process has loaded the real
    libQt6XcbQpa, the loader reuses it by name and a broken copy would load."""
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


@linux_only
def test_qt_itself_aborts_on_that_plugin(tmp_path: Path) -> None:
    """Without the check, Qt fails on this plugin: the test's plugin is really broken."""
    platforms = _broken_plugin_folder(tmp_path / "qt")
    done = _in_fresh_process(
        "from PySide6.QtWidgets import QApplication; QApplication([])",
        _app_env(DISPLAY=":4242", QT_QPA_PLATFORM_PLUGIN_PATH=str(platforms)),
    )
    assert done.returncode != 0
    assert 'Could not load the Qt platform plugin "xcb"' in done.stderr


@linux_only
def test_the_check_lists_every_missing_library(tmp_path: Path) -> None:
    platforms = _broken_plugin_folder(tmp_path / "qt")
    code = (
        "import json, pathlib; from desktop import platform_check as pc\n"
        f"c = pc.check_plugin(pathlib.Path({str(platforms / pc.XCB_PLUGIN)!r}))\n"
        "print(json.dumps([c.loads, c.missing, c.error]))"
    )
    done = _in_fresh_process(code, _app_env())
    loads, missing, error = json.loads(done.stdout)
    assert not loads
    assert missing == ["libxcb-icccm.so.7", "libxcb-keysyms.so.8"]
    assert "libxcb-icccm.so.7" in error  # the loader's own words name only the first


@linux_only
def test_the_installed_plugin_loads_and_nothing_is_printed() -> None:
    plugin = pc.find_plugin(pc.XCB_PLUGIN, {})
    assert plugin is not None and plugin.is_relative_to(PYSIDE_QT)
    check = pc.check_plugin(plugin)
    if check.missing:
        pytest.fail(f"this machine lacks X11 libraries ({', '.join(check.missing)}): see README")
    assert check.loads
    assert pc.platform_problem({"DISPLAY": ":0"}) is None


def test_the_message_for_a_desktop_without_the_xcb_packages() -> None:
    check = pc.PluginCheck(
        Path("libqxcb.so"), ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    )
    assert pc.message(check) == (
        "risk-tracker: cannot open a window: Qt's X11 platform plugin needs system libraries "
        "that are not installed:\n"
        "  libxcb-cursor.so.0\n  libxcb-icccm.so.4\n  libxcb-keysyms.so.1\n"
        "Install them with:\n"
        "  Debian/Ubuntu:  sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1\n"
        "  Fedora:         sudo dnf install xcb-util-cursor xcb-util-keysyms xcb-util-wm\n"
        "(The command line works without them: risk-tracker --help.)"
    )


def test_unknown_libraries_are_named_without_a_guessed_package() -> None:
    hint = pc.install_hint(("libxcb-cursor.so.0", "libfoo.so.3"))
    assert "apt-get install libxcb-cursor0\n" in hint and "libfoo" not in hint
    assert pc.install_hint(("libfoo.so.3",)).startswith("Install the packages that provide")


def test_parse_ldd_keeps_only_the_missing_ones_once() -> None:
    out = (
        "\tlinux-vdso.so.1 (0x00007ffd)\n"
        "\tlibxcb-icccm.so.4 => not found\n"
        "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)\n"
        "\tlibxcb-keysyms.so.1 => not found\n"
        "\tlibxcb-icccm.so.4 => not found\n"
    )
    assert pc.parse_ldd(out) == ("libxcb-icccm.so.4", "libxcb-keysyms.so.1")


@pytest.mark.parametrize(
    ("env", "platform"),
    [
        ({}, "xcb"),
        ({"QT_QPA_PLATFORM": "xcb"}, "xcb"),
        ({"QT_QPA_PLATFORM": "xcb:display=:1"}, "xcb"),
        ({"QT_QPA_PLATFORM": "offscreen"}, "offscreen"),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "wayland"),
        ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "wayland"),
        ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "x11"}, "xcb"),
    ],
)
def test_which_platform_qt_tries_first(env: dict[str, str], platform: str) -> None:
    assert pc.qt_platform(env) == platform


@linux_only
def test_only_an_x11_start_is_checked(tmp_path: Path) -> None:
    broken = str(_broken_plugin_folder(tmp_path / "qt"))
    code = (
        "import json, os; from desktop.platform_check import platform_problem\n"
        "print(json.dumps(platform_problem(dict(os.environ))))"
    )
    problem = json.loads(
        _in_fresh_process(code, _app_env(DISPLAY=":1", QT_QPA_PLATFORM_PLUGIN_PATH=broken)).stdout
    )
    assert problem is not None and "libxcb-keysyms.so.8" in problem
    offscreen = {"DISPLAY": ":1", "QT_QPA_PLATFORM": "offscreen"}
    assert pc.platform_problem({**offscreen, "QT_QPA_PLATFORM_PLUGIN_PATH": broken}) is None
    assert pc.platform_problem({"WAYLAND_DISPLAY": "w-0"}) is None
    no_display = pc.platform_problem({})
    assert no_display is not None and "no display (DISPLAY is not set)" in no_display


@linux_only
def test_qt_plugin_path_is_searched_like_qt_does(tmp_path: Path) -> None:
    broken = _broken_plugin_folder(tmp_path / "qt")
    found = pc.find_plugin(pc.XCB_PLUGIN, {"QT_PLUGIN_PATH": str(broken.parent)})
    assert found == broken / pc.XCB_PLUGIN


@linux_only
def test_every_x11_library_of_the_plugin_has_its_packages() -> None:
    """The table covers every xcb/X11/xkb library the installed plugin needs, and where
    dpkg can tell, the Debian package named is the one that holds the file."""
    out = subprocess.run(
        ["ldd", str(PYSIDE_QT / "plugins" / "platforms" / pc.XCB_PLUGIN)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    resolved = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "=>":
            resolved[parts[0]] = parts[2]
    x11 = [n for n in resolved if n.startswith(("libxcb", "libX11", "libxkbcommon"))]
    assert "libxcb-cursor.so.0" in x11 and "libxcb-icccm.so.4" in x11
    assert [n for n in x11 if n not in pc.PACKAGES] == []
    if shutil.which("dpkg") is None:
        return
    for name, path in resolved.items():
        if name not in pc.PACKAGES or path == "not":
            continue
        owner = subprocess.run(
            ["dpkg", "-S", os.path.realpath(path)], capture_output=True, text=True, check=False
        ).stdout
        if owner:
            assert owner.split(":")[0] == pc.PACKAGES[name][0], (name, owner)
