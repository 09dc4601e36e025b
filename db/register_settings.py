"""Settings that belong to the register, so every member of a team sees the same.

They live in the ``app_meta`` key/value table: today the matrix bands (``bands``:
"low,medium,high" upper bounds).  A change is audited like a change to a record
(kind ``register``, ref the setting's key), so it is in the trail and the change
counter moves: other members' windows notice it as they notice any other change.
"""

from __future__ import annotations

from sqlmodel import Session

from db import audit
from db.meta import get_meta, set_meta
from db.scales import DEFAULT_BANDS, Bands

BANDS_KEY = "bands"
AUDIT_KIND = "register"


def register_bands(session: Session) -> Bands:
    """The register's matrix bands (the defaults if none are stored or they are unreadable)."""
    text = get_meta(session, BANDS_KEY)
    if not text:
        return DEFAULT_BANDS
    try:
        return Bands.from_text(text)
    except ValueError:
        return DEFAULT_BANDS


def set_register_bands(session: Session, bands: Bands, *, actor: str) -> bool:
    """Store ``bands`` for everyone, audited, in the caller's transaction.

    Returns False (and writes nothing) when the register already has these bands.
    """
    old = register_bands(session)
    if old == bands:
        return False
    set_meta(session, BANDS_KEY, bands.to_text())
    audit.record(
        session,
        actor=actor,
        kind=AUDIT_KIND,
        ref=BANDS_KEY,
        action="update",
        changes={BANDS_KEY: [old.to_text(), bands.to_text()]},
    )
    return True
