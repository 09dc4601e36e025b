"""The team of a PostgreSQL register: members, their roles and clearances.

Everything here is enforced by the database (migration 0009): group roles
``risk_reader`` < ``risk_editor`` < ``risk_officer`` carry the grants, row-level
security returns only rows at or below a member's clearance, and members are
managed through SECURITY DEFINER functions that only officers (and the database
owner) may call.  This module reads the standing of the connected member, manages
members through those functions, and turns the database's refusals into sentences.
A SQLite register has no team: one user, the operating-system user, sees everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from db.classification import LEVELS, Classification, parse_level
from db.errors import RegisterError
from db.identity import actor_of


class Role(StrEnum):
    reader = "reader"
    editor = "editor"
    officer = "officer"
    owner = "owner"  # the database owner (or a superuser): not bound by the team's rules


MEMBER_ROLES: tuple[Role, ...] = (Role.reader, Role.editor, Role.officer)
_ORDER = {Role.reader: 0, Role.editor: 1, Role.officer: 2, Role.owner: 3}
# What a PostgreSQL role name may be here: what a URL and a shell take without quoting.
_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")
NEEDS_POSTGRESQL = (
    "users need a PostgreSQL register: a SQLite register has one user, the "
    "operating-system user (see the README's team section)"
)
INSUFFICIENT_PRIVILEGE = "42501"  # SQLSTATE of a refusal by grants, policies or team rules


class TeamError(RegisterError):
    """A team operation that cannot be done (message for the user)."""


class Refused(RegisterError):
    """The database refused a write: the member's role or clearance does not allow it."""


@dataclass(frozen=True)
class Member:
    name: str
    role: Role | None  # None: the login role exists but holds no team role
    clearance: Classification


@dataclass(frozen=True)
class Standing:
    """What the connected user is and may do."""

    name: str
    role: Role
    clearance: Classification | None  # None: every row (the owner, SQLite)
    team: bool  # a PostgreSQL register with the team installed

    def at_least(self, role: Role) -> bool:
        return _ORDER[self.role] >= _ORDER[role]

    @property
    def can_edit(self) -> bool:
        """Create, change, delete and import records."""
        return self.at_least(Role.editor)

    @property
    def is_officer(self) -> bool:
        """Issue packs, lower classifications, manage users and bands."""
        return self.at_least(Role.officer)

    @property
    def sees_everything(self) -> bool:
        return self.clearance is None or self.clearance is LEVELS[-1]

    def describe(self) -> str:
        if not self.team:
            return f"{self.name}: single user"
        cleared = "every level" if self.clearance is None else f"up to {self.clearance.value}"
        return f"{self.name}: {self.role.value}, cleared {cleared}"


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def team_installed(session: Session) -> bool:
    if not _is_postgresql(session):
        return False
    found = session.execute(text("SELECT to_regprocedure('risk_clearance()')")).scalar()
    return found is not None


def standing(session: Session) -> Standing:
    """The connected user's role and clearance, as the database sees them."""
    if not team_installed(session):
        return Standing(actor_of(session), Role.owner, None, team=False)
    name, role, clearance, restricted = session.execute(
        text(
            "SELECT current_user, risk_member_role(current_user), risk_clearance(), "
            "row_security_active('risk')"
        )
    ).one()
    if not restricted:
        return Standing(str(name), Role.owner, None, team=True)
    # A login role outside the team (no clearance) sees nothing: shown as a reader at
    # the lowest level, which is as much as the app can offer it.
    level = LEVELS[int(clearance)] if clearance is not None else LEVELS[0]
    return Standing(str(name), Role(role) if role else Role.reader, level, team=True)


def sees_everything(session: Session) -> bool:
    """Whether the connected user sees every row (whole-register checks need it)."""
    return standing(session).sees_everything


# --------------------------------------------------------------------------- members


def _need_team(session: Session) -> None:
    if not _is_postgresql(session):
        raise TeamError(NEEDS_POSTGRESQL)
    if not team_installed(session):
        raise TeamError(
            "this register has no team yet: the database owner runs 'risk-tracker db upgrade'"
        )


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise TeamError(
            f"{name!r} is not a member name here: lower-case letters, digits, '_', '.' "
            "and '-', starting with a letter or '_', at most 63 characters"
        )
    return name


def parse_role(raw: str) -> Role:
    text_ = raw.strip().lower()
    for role in MEMBER_ROLES:
        if role.value == text_:
            return role
    raise TeamError(f"role must be one of {', '.join(MEMBER_ROLES)}, not {raw!r}")


def parse_clearance(raw: str) -> Classification:
    try:
        return parse_level(raw)
    except ValueError as exc:
        raise TeamError(f"clearance {exc}") from None


def members(session: Session) -> list[Member]:
    """Every member of the team (officers and the owner see all; others only themselves)."""
    _need_team(session)
    rows = session.execute(
        text(
            "SELECT role_name, risk_member_role(role_name), clearance "
            "FROM team_member ORDER BY role_name"
        )
    ).all()
    return [Member(str(n), Role(r) if r else None, LEVELS[int(c)]) for n, r, c in rows]


def password_verifier(session: Session, name: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password``, computed here by libpq: the password
    itself never reaches the server (nor its logs)."""
    dbapi: Any = session.connection().connection.dbapi_connection
    verifier: bytes = dbapi.pgconn.encrypt_password(
        password.encode("utf-8"), name.encode("utf-8"), b"scram-sha-256"
    )
    return verifier.decode("ascii")


def add_member(
    session: Session,
    name: str,
    role: Role | str,
    clearance: Classification | str,
    *,
    password: str | None = None,
) -> Member:
    _need_team(session)
    name = check_name(name)
    parsed_role = parse_role(str(role))
    level = parse_clearance(str(clearance))
    verifier = password_verifier(session, name, password) if password else None
    _call(
        session,
        "SELECT risk_add_member(:name, :role, :level, :password)",
        name=name,
        role=parsed_role.value,
        level=LEVELS.index(level),
        password=verifier,
    )
    return Member(name, parsed_role, level)


def set_member(
    session: Session,
    name: str,
    *,
    role: Role | str | None = None,
    clearance: Classification | str | None = None,
) -> None:
    _need_team(session)
    if role is None and clearance is None:
        raise TeamError("say what to change: a role, a clearance or both")
    _call(
        session,
        "SELECT risk_set_member(:name, :role, :level)",
        name=check_name(name),
        role=None if role is None else parse_role(str(role)).value,
        level=None if clearance is None else LEVELS.index(parse_clearance(str(clearance))),
    )


def remove_member(session: Session, name: str) -> None:
    _need_team(session)
    _call(session, "SELECT risk_remove_member(:name)", name=check_name(name))


def _call(session: Session, sql: str, **params: Any) -> None:
    try:
        session.execute(text(sql), params)
    except DBAPIError as exc:
        raise TeamError(_message_of(exc)) from None


def _message_of(exc: BaseException) -> str:
    orig: Any = getattr(exc, "orig", None)
    primary = getattr(getattr(orig, "diag", None), "message_primary", None)
    if primary:
        return str(primary)
    return " ".join(str(orig or exc).split())


# --------------------------------------------------------------------------- refusals


def refusal(exc: BaseException) -> str | None:
    """One sentence for a write (or read) the database refused by its grants, its
    row-level security or the team's rules; None for any other error."""
    orig: Any = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
        return None
    detail = _message_of(exc)
    if "row-level security" in detail:
        return f"the database refused this: it would be above your clearance ({detail})"
    if detail.startswith("permission denied"):
        return f"the database refused this: your role does not allow it ({detail})"
    return f"the database refused this: {detail}"
