"""The command line: the contract of PRODUCT.md "Command line".

Parsing lives here; each command's work lives in ``desktop.commands.<module>`` and is
imported only when that command runs, so ``--version`` and ``--help`` stay instant
(no Qt, no ReportLab, no SQLAlchemy).

Exit status: 0 success, 1 a user-facing error (one message on stderr, no traceback),
2 a usage error (argparse).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from desktop import PRODUCT_NAME, __version__

# The plurals of db.kinds, written out: importing db.kinds would load SQLModel at start-up
# (tests/db/test_kinds.py checks the two agree).
KINDS = ("stakeholders", "partnerships", "risks", "events", "actions")

# command name -> (module in desktop.commands, function)
HANDLERS: dict[str, tuple[str, str]] = {
    "demo": ("register", "run_demo"),
    "import": ("importexport", "run_import"),
    "export": ("importexport", "run_export"),
    "brief": ("brief", "run_brief"),
    "matrix": ("register", "run_matrix"),
    "backup": ("register", "run_backup"),
    "restore": ("register", "run_restore"),
    "db upgrade": ("register", "run_db_upgrade"),
    "db check": ("register", "run_db_check"),
    "generate": ("register", "run_generate"),
    "users": ("users", "run_users"),
    "search": ("search", "run_search"),
}


def _add_db(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # On subcommands the default is SUPPRESS so that a --db given before the
    # command is not overwritten by the subparser's default.
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=None if top else argparse.SUPPRESS,
        help="register file (SQLite) or SQLAlchemy URL; default: $RISK_TRACKER_DB, "
        "else a file in the user data folder",
    )


def _date(text: str) -> object:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _row_limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("cannot be negative (0 shows every row)")
    return value


def _search_kind(text: str) -> str:
    """``events`` or ``event`` (any case) -> ``event``: the kinds ``search --kind`` accepts."""
    key = text.strip().lower()
    for plural in KINDS:
        if key in (plural, plural[:-1]):
            return plural[:-1]
    raise argparse.ArgumentTypeError(f"unknown kind {text!r}: use {', '.join(KINDS)}")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="risk-tracker",
        description=f"{PRODUCT_NAME}: partnerships, reputational risks, criticism events, "
        "and classification-safe briefing packs. With no command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"risk-tracker {__version__}")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="print what the app finds here (Python, Qt, platform plugin, fonts, register, "
        "settings) and exit",
    )
    _add_db(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="load the demo register built from the seed story")
    _add_db(p)
    p.add_argument("--force", action="store_true", help="load even into a non-empty register")

    p = sub.add_parser("import", help="import stakeholders, partnerships, risks or events")
    _add_db(p)
    p.add_argument("kind", choices=KINDS)
    p.add_argument("file", help=".csv or .xlsx file")
    p.add_argument("--dry-run", action="store_true", help="validate only; write nothing")

    p = sub.add_parser("export", help="export a register kind to .csv or .xlsx")
    _add_db(p)
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--out", required=True, help="FILE.csv or FILE.xlsx")

    p = sub.add_parser("brief", help="build a briefing pack (PDF)")
    _add_db(p)
    p.add_argument("--out", required=True, help="FILE.pdf")
    p.add_argument("--from", dest="date_from", type=_date, metavar="DATE")
    p.add_argument("--to", dest="date_to", type=_date, metavar="DATE")
    p.add_argument("--ceiling", metavar="LEVEL", help="highest classification the pack may hold")
    p.add_argument("--partnership", action="append", default=[], metavar="REF", help="repeatable")
    p.add_argument("--title")
    p.add_argument("--audience")
    p.add_argument("--since", type=_date, metavar="DATE", help="start of 'what changed'")
    p.add_argument("--sections", metavar="LIST", help="comma-separated sections to include")
    p.add_argument(
        "--exclude-sections", metavar="LIST", help="comma-separated sections to leave out"
    )
    p.add_argument("--paper", choices=("a4", "letter"), default="a4")
    p.add_argument("--marking-prefix", metavar="TEXT", help="e.g. NATO gives 'NATO RESTRICTED'")
    p.add_argument("--invariant", action="store_true", help="deterministic output (tests)")
    p.add_argument(
        "--issue",
        action="store_true",
        help="issue the pack (default: a draft, watermarked, never a baseline)",
    )
    p.add_argument(
        "--distribution", metavar="TEXT", help="who an issued pack goes to (default: --audience)"
    )
    p.add_argument(
        "--max-rows",
        type=_row_limit,
        default=None,
        metavar="N",
        help="rows shown in Annex A and other long tables (default 50; 0 shows every row)",
    )
    p.add_argument(
        "--no-event-log",
        dest="event_log",
        action="store_false",
        help="do not attach the full event log (CSV) to the PDF",
    )
    p.add_argument(
        "--prepared-by",
        metavar="NAME",
        help="the name printed as the pack's preparer (default: the display name setting)",
    )

    p = sub.add_parser("matrix", help="print the 5x5 risk counts as a text grid")
    _add_db(p)
    p.add_argument("--residual", action="store_true")
    p.add_argument("--as-of", dest="as_of", type=_date, metavar="DATE")

    p = sub.add_parser("search", help="find records of any kind by ref, title, name or text")
    _add_db(p)
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--kind", type=_search_kind, metavar="KIND", help=", ".join(KINDS))
    p.add_argument("--limit", type=_positive, default=20, metavar="N", help="default 20")
    p.add_argument("--ceiling", metavar="LEVEL", help="leave out records classified above LEVEL")

    p = sub.add_parser("backup", help="consistent copy of a live register")
    _add_db(p)
    p.add_argument("--out", required=True, metavar="FILE")

    p = sub.add_parser("restore", help="replace the register by a validated backup")
    _add_db(p)
    p.add_argument("file", metavar="BACKUP")

    p = sub.add_parser("generate", help="fill a register with a seeded synthetic data set")
    _add_db(p)
    p.add_argument("--events", type=int, default=10_000)
    p.add_argument("--risks", type=int, default=200)
    p.add_argument("--stakeholders", type=int, default=100)
    p.add_argument("--partnerships", type=int, default=40)
    p.add_argument("--actions", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)

    p = sub.add_parser("users", help="the team of a PostgreSQL register (officers)")
    _add_db(p)
    usersub = p.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    q = usersub.add_parser("list", help="every member, role and clearance")
    _add_db(q)
    q = usersub.add_parser("add", help="a new member (a PostgreSQL login role)")
    _add_db(q)
    q.add_argument("name")
    q.add_argument("--role", required=True, choices=("reader", "editor", "officer"))
    q.add_argument("--clearance", required=True, metavar="LEVEL")
    q.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    q = usersub.add_parser("set", help="change a member's role or clearance")
    _add_db(q)
    q.add_argument("name")
    q.add_argument("--role", choices=("reader", "editor", "officer"))
    q.add_argument("--clearance", metavar="LEVEL")
    q = usersub.add_parser("remove", help="remove a member (drops the login role)")
    _add_db(q)
    q.add_argument("name")

    p = sub.add_parser("db", help="schema and integrity")
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    q = dbsub.add_parser("upgrade", help="apply migrations")
    _add_db(q)
    q = dbsub.add_parser("check", help="integrity, schema and audit-chain check")
    _add_db(q)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.diagnose:
        from desktop.diagnose import run as diagnose

        return diagnose(args.db)
    if args.command is None:
        from desktop.app import main as app_main

        return app_main(db=args.db)
    name = args.command if args.command != "db" else f"db {args.db_command}"
    module_name, func_name = HANDLERS[name]
    from db.errors import RegisterError

    try:
        module = importlib.import_module(f"desktop.commands.{module_name}")
        handler = getattr(module, func_name)
        return int(handler(args) or 0)
    except RegisterError as exc:
        print(f"risk-tracker: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("risk-tracker: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError) as exc:
        # Files that cannot be read or written, values that cannot be parsed:
        # still a user-facing problem, never a traceback.
        print(f"risk-tracker: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        problem = refused_problem(exc) or database_problem(exc)
        if problem is None:
            raise
        print(f"risk-tracker: {problem}", file=sys.stderr)
        return 1


def refused_problem(exc: BaseException) -> str | None:
    """One line for a write the database refused (a member's role or clearance)."""
    if "sqlalchemy.exc" not in sys.modules:
        return None
    from db.team import refusal

    return refusal(exc)


def database_problem(exc: BaseException) -> str | None:
    """One line for a database that failed under a command (a damaged page found while
    reading, a table gone); None for anything else (a bug: its traceback is wanted)."""
    import sqlite3

    sa_exc = sys.modules.get("sqlalchemy.exc")
    kinds: tuple[type[BaseException], ...] = (sqlite3.DatabaseError,)
    if sa_exc is not None:
        kinds += (sa_exc.DatabaseError,)
    if not isinstance(exc, kinds):
        return None
    detail = " ".join(str(getattr(exc, "orig", None) or exc).split())
    return (
        f"the register could not be read ({detail}); it may be damaged: run 'risk-tracker db check'"
    )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
