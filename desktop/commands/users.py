"""``risk-tracker users list | add | set | remove``: the team of a PostgreSQL register.

Officers (and the database owner) manage members; the database itself checks that
(``db.team``).  On a SQLite register every action says that users need PostgreSQL.
A new member's password is asked for twice on a terminal, or read from the first
line of standard input with ``--password-stdin``; it is turned into a SCRAM verifier
on this machine, so the server never sees it.  Nothing here imports Qt.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from db.errors import RegisterError


def _new_password(args: Any) -> str | None:
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise RegisterError("--password-stdin: the first line of standard input is empty")
        return line
    if not sys.stdin.isatty():
        return None  # the member logs in some other way (peer, certificate) until one is set
    first = getpass.getpass(f"Password for {args.name}: ")
    if first != getpass.getpass("The same password again: "):
        raise RegisterError("the two passwords differ; nothing was changed")
    return first or None


def run_users(args: Any) -> int:
    from db import team
    from db.engine import open_register

    register = open_register(getattr(args, "db", None), create=False)
    try:
        if register.is_sqlite:
            raise team.TeamError(team.NEEDS_POSTGRESQL)
        action = args.users_command
        if action == "list":
            with register.session() as session:
                me = team.standing(session)
                if not me.is_officer:
                    raise team.TeamError(f"only an officer may list the team ({me.describe()})")
                rows = team.members(session)
            for member in rows:
                role = member.role.value if member.role else "(no role)"
                print(f"{member.name}\t{role}\t{member.clearance.value}")
            return 0
        with register.write() as session:
            if action == "add":
                password = _new_password(args)
                member = team.add_member(
                    session, args.name, args.role, args.clearance, password=password
                )
                note = "" if password else " (no password: set one before they log in)"
                message = (
                    f"added {member.name}: {member.role.value if member.role else ''}, "
                    f"cleared up to {member.clearance.value}{note}"
                )
            elif action == "set":
                team.set_member(session, args.name, role=args.role, clearance=args.clearance)
                message = f"changed {args.name}"
            else:
                team.remove_member(session, args.name)
                message = f"removed {args.name}"
        print(message)
        return 0
    finally:
        register.dispose()
