"""Register-level commands: demo, matrix, backup, restore, db upgrade, db check, generate.

Each handler takes the parsed arguments of ``desktop.cli`` and returns the exit status;
a ``RegisterError`` it raises becomes one message on stderr and exit status 1.
Nothing here imports Qt.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from db.errors import RegisterError
from db.scales import IMPACT_LABELS, LIKELIHOOD_LABELS


def _describe_counts(counts: dict[str, int]) -> str:
    from db.kinds import PLURAL  # not at import time: the command line starts without SQLModel

    return ", ".join(f"{n:,} {PLURAL.get(kind, kind)}" for kind, n in counts.items())


def _open(args: Any, **kwargs: Any) -> Any:
    """The register named by ``--db``; every page checked first (a damaged register is
    refused with one message, before anything reads part of it or writes to it)."""
    from db.engine import open_register

    return open_register(getattr(args, "db", None), check_pages=True, **kwargs)


# --------------------------------------------------------------------------- demo


def run_demo(args: Any) -> int:
    from db.demo import load_demo

    register = _open(args)
    try:
        counts = load_demo(register, force=bool(getattr(args, "force", False)))
        print(
            f"Loaded the demo register into {register.display_name()}: {_describe_counts(counts)}."
        )
        print("Its dates and figures (cancellation counts, reach) are illustrative, not reported.")
    finally:
        register.dispose()
    return 0


# --------------------------------------------------------------------------- matrix


def format_matrix(counts: list[list[int]], *, residual: bool, as_of: dt.date | None) -> str:
    """A 5x5 text grid: likelihood rows 5 (top) to 1, impact columns 1 to 5.

    ``counts[likelihood - 1][impact - 1]`` is the number of risks in that cell.
    """
    kind = "residual" if residual else "inherent"
    when = f"as of {as_of.isoformat()}" if as_of else "current"
    total = sum(sum(row) for row in counts)
    row_labels = [f"{lk} {LIKELIHOOD_LABELS[lk - 1]}" for lk in range(5, 0, -1)]
    col_labels = [f"{im} {IMPACT_LABELS[im - 1]}" for im in range(1, 6)]
    first = max(len("Likelihood"), *(len(label) for label in row_labels)) + 2
    width = max(len(label) for label in col_labels) + 2
    lines = [
        f"Risk matrix: {kind} scores, {when}",
        f"{total} risk{'s' if total != 1 else ''} (closed risks left out"
        + ("; a risk without residual scores sits at its inherent cell)" if residual else ")"),
        "",
        " " * first + "Impact",
        "Likelihood".ljust(first) + "".join(label.rjust(width) for label in col_labels),
    ]
    for lk, label in zip(range(5, 0, -1), row_labels, strict=True):
        cells = "".join(str(counts[lk - 1][im - 1]).rjust(width) for im in range(1, 6))
        lines.append(label.ljust(first) + cells)
    return "\n".join(lines)


def run_matrix(args: Any) -> int:
    residual = bool(getattr(args, "residual", False))
    as_of = getattr(args, "as_of", None)
    try:
        from desktop.services.matrix import risk_matrix
    except ImportError:
        raise RegisterError(
            "the matrix needs the analysis module, which is not installed"
        ) from None
    if as_of is not None and as_of > dt.date.today():
        raise RegisterError(f"--as-of {as_of.isoformat()} is in the future")
    from db.register_settings import register_bands

    register = _open(args, create=False)
    try:
        with register.session() as session:
            matrix = risk_matrix(
                session,
                residual=residual,
                as_of=as_of,
                bands=register_bands(session),
                with_points=False,
            )
            counts = matrix.counts()
    finally:
        register.dispose()
    print(format_matrix(counts, residual=residual, as_of=as_of))
    return 0


# --------------------------------------------------------------------------- backup and restore


def run_backup(args: Any) -> int:
    from db.backup import backup_sqlite
    from db.engine import describe, resolve_url, sqlite_path

    url = resolve_url(getattr(args, "db", None))
    if sqlite_path(url) is None:
        raise RegisterError(
            f"{describe(url)} is a PostgreSQL register; back it up with the server's tools "
            "(pg_dump), e.g. pg_dump --format=custom --file=FILE DATABASE"
        )
    out = Path(args.out).expanduser()
    if out.exists():
        raise RegisterError(f"{out} already exists; a backup is only written to a new file")
    register = _open(args, upgrade=False, create=False)
    try:
        info = backup_sqlite(register, out)
    finally:
        register.dispose()
    print(f"Backed up {register.display_name()} to {info.path}")
    print(
        f"  schema {info.revision}; {_describe_counts(info.counts)}; {info.audit_entries:,} audit entries"
    )
    return 0


def run_restore(args: Any) -> int:
    from db.backup import restore_sqlite, validate_backup
    from db.engine import describe, resolve_url, sqlite_path
    from db.register_file import check_restore_target
    from desktop.services.integrity import backup_problems

    url = resolve_url(getattr(args, "db", None))
    target = sqlite_path(url)
    if target is None:
        raise RegisterError(
            f"{describe(url)} is a PostgreSQL register; restore it with pg_restore or psql"
        )
    # The whole backup is validated before anything is replaced: the file, its pages,
    # schema and tables (validate_backup), its audit chain and its records against it.
    check_restore_target(target)
    backup = Path(args.file).expanduser().absolute()
    info = validate_backup(backup)
    problem = backup_problems(backup, revision=info.revision)
    if problem is not None:
        raise RegisterError(problem)
    result = restore_sqlite(target, backup)
    print(f"Restored {result.target} from {result.restored_from.summary()}")
    if result.replaced is not None:
        print(f"  the register it replaced is kept as {result.replaced}")
    return 0


# --------------------------------------------------------------------------- db upgrade and check


def run_db_upgrade(args: Any) -> int:
    from db import migrations

    register = _open(args, upgrade=True, create=False)
    try:
        current = migrations.current_revision(register.engine)
        name = register.display_name()
        if register.upgraded_from:
            print(f"Upgraded {name} from schema {register.upgraded_from} to {current}.")
            if register.backup_path is not None:
                print(f"  a copy from before the upgrade is kept as {register.backup_path}")
        else:
            print(f"{name} is already at the current schema ({current}); nothing to do.")
    finally:
        register.dispose()
    return 0


def run_db_check(args: Any) -> int:
    from db import audit, migrations, team
    from db.queries import integrity
    from desktop.services.integrity import record_differences

    # A damaged, incomplete or foreign file is refused here with one message.
    register = _open(args, upgrade=False, create=False)
    failures = 0

    def report(name: str, problems: list[str] | None, ok_text: str = "ok") -> None:
        nonlocal failures
        if problems is None:
            print(f"{name}: not applicable on this database")
        elif problems:
            failures += 1
            print(f"{name}: FAIL")
            for problem in problems:
                print(f"  {problem}")
        else:
            print(f"{name}: {ok_text}")

    try:
        print(f"Checking {register.display_name()}")
        with register.session() as session:
            report("database integrity", integrity.integrity_problems(session))
            current = migrations.current_revision(register.engine)
            head = migrations.head_revision()
            report(
                "schema revision",
                [] if current == head else [f"at {current}, this version expects {head}"],
                ok_text=f"ok ({current})",
            )
            report("foreign keys", integrity.foreign_key_problems(session))
            if team.sees_everything(session):
                report("audit chain", [str(p) for p in audit.verify_chain(session)])
                # Rows edited behind the application's back differ from the trail's replay.
                report(
                    "records match the audit trail", [str(d) for d in record_differences(session)]
                )
            else:
                # Entries above this member's clearance are hidden from them: each visible
                # entry is checked, the links and the replay need the whole trail.
                report(
                    "audit chain (the entries you are cleared to see)",
                    [str(p) for p in audit.verify_chain(session, linked=False)],
                )
                print(
                    "records match the audit trail: needs the whole register "
                    "(the database owner, or a member cleared to the highest level)"
                )
    finally:
        register.dispose()
    if failures:
        print(f"{failures} check{'s' if failures != 1 else ''} failed", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


# --------------------------------------------------------------------------- generate


def run_generate(args: Any) -> int:
    try:
        from db.synthetic import generate
    except ImportError:
        raise RegisterError("the synthetic register generator is not available yet") from None
    register = _open(args)
    try:
        result = generate(
            register,
            stakeholders=args.stakeholders,
            partnerships=args.partnerships,
            risks=args.risks,
            events=args.events,
            seed=args.seed,
            actions=args.actions,
        )
    finally:
        register.dispose()
    counts = {
        "stakeholder": result.stakeholders,
        "partnership": result.partnerships,
        "risk": result.risks,
        "event": result.events,
    }
    if result.actions:
        counts["action"] = result.actions
    print(
        f"Generated into {register.display_name()} (seed {args.seed}): {_describe_counts(counts)}."
    )
    return 0
