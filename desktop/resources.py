"""Where the plain asset files live: ``resources/`` beside the ``desktop`` package.

In a source checkout that is the repository root; in an installed wheel the build
force-includes ``resources/`` next to ``desktop/`` in site-packages, so the same
relative lookup works in both.
"""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a file or folder under ``resources/``; raises if it is missing."""
    path = RESOURCES_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"resource not found: {'/'.join(parts)}")
    return path
