"""Can Qt open a window here?  Checked before the ``QApplication`` exists.

When Qt cannot load its platform plugin it aborts with a long text that ends in a
list of plugins and no cause.  On Linux the usual cause is a system library of the
X11 plugin (``libqxcb.so``) that is not installed: Qt 6.5+ needs ``libxcb-cursor0``
and a few other xcb libraries that a desktop may lack.  ``platform_problem()`` finds
that out first and returns one message that names the missing libraries and the
commands that install them; the app prints it and exits 1.

How the check works, and why it is fast: it asks the dynamic loader to load the
plugin exactly as Qt would (``dlopen`` through ctypes).  On success nothing is
wasted: the libraries loaded are the ones Qt loads a moment later anyway.  Only on
failure does it run ``ldd`` on the plugin, which lists *every* library the loader
cannot find (``dlopen`` names only the first).

The plugin is looked up the way Qt looks it up: ``QT_QPA_PLATFORM_PLUGIN_PATH``,
then ``platforms/`` in each ``QT_PLUGIN_PATH`` folder, then PySide6's own plugins.
"""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

XCB_PLUGIN = "libqxcb.so"

# soname -> (Debian/Ubuntu package, Fedora package) for every system library that
# Qt's xcb plugin and libQt6XcbQpa need (tests/test_platform_check.py keeps this
# complete against the installed PySide6).
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.M)
_DLERROR = re.compile(r"(\S+\.so[.\d]*): cannot open shared object file")


@dataclass(frozen=True)
class PluginCheck:
    plugin: Path
    missing: tuple[str, ...]  # sonames the loader cannot find; empty when the plugin loads
    error: str = ""  # the loader's own message when the plugin does not load

    @property
    def loads(self) -> bool:
        return not self.error


def qt_platform(env: Mapping[str, str]) -> str | None:
    """The platform Qt will try first on Linux, as far as the environment tells."""
    chosen = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"  # Qt falls back to xcb if Wayland fails: not a case to refuse
    return "xcb"


def plugin_folders(env: Mapping[str, str]) -> list[Path]:
    """Where Qt looks for platform plugins, in its order."""
    folders = []
    if env.get("QT_QPA_PLATFORM_PLUGIN_PATH"):
        folders.append(Path(env["QT_QPA_PLATFORM_PLUGIN_PATH"]))
    for entry in env.get("QT_PLUGIN_PATH", "").split(os.pathsep):
        if entry:
            folders.append(Path(entry) / "platforms")
    folders.append(_pyside_folder() / "Qt" / "plugins" / "platforms")
    return folders


def _pyside_folder() -> Path:
    import PySide6

    return Path(PySide6.__file__).resolve().parent


def find_plugin(name: str, env: Mapping[str, str]) -> Path | None:
    for folder in plugin_folders(env):
        if (folder / name).is_file():
            return folder / name
    return None


def check_plugin(plugin: Path) -> PluginCheck:
    """Load ``plugin`` as Qt would; if that fails, list every library it lacks."""
    try:
        ctypes.CDLL(str(plugin), mode=os.RTLD_LAZY | os.RTLD_LOCAL)
        return PluginCheck(plugin, ())
    except OSError as exc:
        error = str(exc)
    missing = missing_libraries(plugin)
    if not missing:
        found = _DLERROR.search(error)
        missing = (found.group(1),) if found else ()
    return PluginCheck(plugin, missing, error)


def missing_libraries(binary: Path) -> tuple[str, ...]:
    """Sonames ``ldd`` reports as not found for ``binary`` (with all it depends on)."""
    try:
        done = subprocess.run(
            ["ldd", str(binary)], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return parse_ldd(done.stdout)


def parse_ldd(output: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_NOT_FOUND.findall(output)))


def install_hint(missing: tuple[str, ...]) -> str:
    """The install commands for the packages that hold ``missing`` (known ones only)."""
    debian = sorted({PACKAGES[m][0] for m in missing if m in PACKAGES})
    fedora = sorted({PACKAGES[m][1] for m in missing if m in PACKAGES})
    if not debian:
        return "Install the packages that provide them with your system's package manager."
    return (
        "Install them with:\n"
        f"  Debian/Ubuntu:  sudo apt-get install {' '.join(debian)}\n"
        f"  Fedora:         sudo dnf install {' '.join(fedora)}"
    )


def message(check: PluginCheck) -> str:
    if check.missing:
        names = "\n".join(f"  {m}" for m in check.missing)
        return (
            "risk-tracker: cannot open a window: Qt's X11 platform plugin needs system "
            f"libraries that are not installed:\n{names}\n{install_hint(check.missing)}\n"
            "(The command line works without them: risk-tracker --help.)"
        )
    return (
        f"risk-tracker: cannot open a window: Qt's X11 platform plugin does not load:\n"
        f"  {check.error}\n(risk-tracker --diagnose shows what the app found.)"
    )


def platform_problem(env: Mapping[str, str] | None = None) -> str | None:
    """The message to print instead of starting the GUI, or None when it can start."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux") or qt_platform(env) != "xcb":
        return None
    if not env.get("DISPLAY"):
        if env.get("WAYLAND_DISPLAY"):
            return None  # Qt tries Wayland when X is not there
        return (
            "risk-tracker: cannot open a window: no display (DISPLAY is not set). "
            "Start it from a desktop session; the commands work anywhere: risk-tracker --help."
        )
    plugin = find_plugin(XCB_PLUGIN, env)
    if plugin is None:
        return None  # a Qt without xcb: let Qt say what it has
    check = check_plugin(plugin)
    return None if check.loads else message(check)
