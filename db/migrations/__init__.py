"""Schema migrations (Alembic, configured here rather than in an ini file at the top level).

The mechanics only: the head revision, whether a revision is known, running an
upgrade on an engine, the copy written before one.  Whether a database is a
register, and what to do with it, is decided in ``db.register_file`` and acted on
by ``db.engine.open_register``.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Engine

# Alembic (with Mako and Pygments behind it) is imported only when a register must be
# created or upgraded: opening a register already at the head revision, which is
# every start-up but the first, checks the version with one query instead.
HERE = Path(__file__).resolve().parent
_REVISION_LINE = re.compile(
    r"""^(revision|down_revision)\s*(?::[^=]*)?=\s*['"]?([\w]+)?['"]?\s*$""", re.M
)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_locations", str(HERE / "versions"))
    return cfg


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_from_files() -> str | None:
    """The head revision read from the revision files' ``revision``/``down_revision``
    lines (no Alembic import); None when that is not one plain linear chain."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (HERE / "versions").glob("*.py"):
        found = dict(
            (m.group(1), m.group(2)) for m in _REVISION_LINE.finditer(path.read_text("utf-8"))
        )
        if not found.get("revision"):
            return None
        revisions.add(found["revision"])
        if found.get("down_revision") and found["down_revision"] != "None":
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_known_revision(revision: str) -> bool:
    """True for a revision among this version's migration files."""
    try:
        return script_directory().get_revision(revision) is not None
    except Exception:
        return False


def backup_before_upgrade(path: Path, revision: str) -> Path:
    """Copy a SQLite register beside itself before its schema changes."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.before-upgrade-{revision}-{stamp}.bak")
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    target.chmod(0o600)
    return target


def run_upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
