"""Schema migrations (Alembic, configured here rather than in an ini file at the top level).

``prepare`` runs whenever a register is opened: it creates a new register, upgrades an
older one after writing a backup copy beside it, and refuses a newer or foreign one.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from db.errors import RegisterError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from db.engine import Register

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


def _head_from_files() -> str | None:
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


def current_revision(register: Register) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with register.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _known(revision: str) -> bool:
    try:
        return script_directory().get_revision(revision) is not None
    except Exception:
        return False


def backup_before_upgrade(register: Register, revision: str) -> Path | None:
    """Copy a SQLite register beside itself before its schema changes."""
    path = register.path
    if path is None:
        return None
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


def run_upgrade(register: Register, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config()
    with register.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def prepare(register: Register, *, upgrade: bool = True) -> None:
    from db.meta import mark_as_ours

    names = set(inspect(register.engine).get_table_names())
    if not names:
        run_upgrade(register)
        mark_as_ours(register)
        return
    if "alembic_version" not in names or "app_meta" not in names:
        raise RegisterError(
            f"{register.display_name()} is not a Stakeholder Risk Tracker register; it was left untouched"
        )
    with register.engine.connect() as conn:
        marker = conn.execute(text("SELECT value FROM app_meta WHERE key = 'application'")).scalar()
    from db.engine import APP_MARKER

    if marker != APP_MARKER:
        raise RegisterError(
            f"{register.display_name()} is not a Stakeholder Risk Tracker register; it was left untouched"
        )
    with register.engine.connect() as conn:
        stamped = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
    if len(stamped) == 1 and stamped[0] == _head_from_files():
        return  # at the head already: the common case, without importing Alembic
    current = current_revision(register)
    head = head_revision()
    if current == head:
        return
    if current is None or not _known(current):
        raise RegisterError(
            f"{register.display_name()} was written by a newer version of Stakeholder Risk Tracker "
            f"(schema {current}); update the application to open it"
        )
    if not upgrade:
        raise RegisterError(
            f"{register.display_name()} uses an older schema ({current}); run 'risk-tracker db upgrade'"
        )
    register.backup_path = backup_before_upgrade(register, current)
    register.upgraded_from = current
    run_upgrade(register)
