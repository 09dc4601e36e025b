"""``risk-tracker import KIND FILE [--dry-run]`` and ``risk-tracker export KIND --out FILE``.

Import prints one summary line (``imported 25 events (25 new, 0 updated)``, or
``dry run: ...``); with bad rows it prints each as ``row N: field: reason`` on stderr,
writes nothing and exits 1.  Export prints ``exported N events to FILE``.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

from db.errors import RegisterError
from db.importexport.reader import file_format


def _actor() -> str:
    try:
        return getpass.getuser() or "command line"
    except Exception:  # no user database on the machine
        return "command line"


def run_import(args: Any) -> int:
    from db.engine import open_register
    from db.errors import ValidationFailed, shown_errors
    from db.importexport import import_file
    from db.importexport.columns import normalise_kind

    kind = normalise_kind(args.kind)
    source = Path(args.file)
    file_format(source)  # refuse a wrong file before touching the register
    if not source.is_file():
        raise RegisterError(f"{source}: no such file")
    # Every page checked first: nothing is written into a damaged register.
    register = open_register(args.db, check_pages=True)
    try:
        result = import_file(
            register, kind, args.file, actor=_actor(), dry_run=bool(getattr(args, "dry_run", False))
        )
    except ValidationFailed as exc:
        # stderr holds exactly the bad rows, one "row N: field: reason" a line
        # (PRODUCT.md "Command line"); exit 1 says nothing was written.
        first, more = shown_errors(exc.errors)
        for error in first:
            print(error, file=sys.stderr)
        if more:
            print(more, file=sys.stderr)
        return 1
    finally:
        register.dispose()
    print(result.summary())
    return 0


def run_export(args: Any) -> int:
    from db.engine import open_register
    from db.importexport import export_file
    from db.importexport.columns import count_noun, normalise_kind

    kind = normalise_kind(args.kind)
    file_format(Path(args.out))  # refuse a wrong extension before touching the register
    register = open_register(args.db, create=False, check_pages=True)
    try:
        count = export_file(register, kind, args.out)
    finally:
        register.dispose()
    print(f"exported {count_noun(kind, count)} to {args.out}")
    return 0
