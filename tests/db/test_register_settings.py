"""The register's own settings (the matrix bands) on both backends: stored once for
everyone, audited, re-read by a second connection, unchanged values not rewritten."""

from __future__ import annotations

from typing import Any

from db import audit
from db.engine import Register, make_engine
from db.identity import os_user
from db.meta import set_meta
from db.register_settings import register_bands, set_register_bands
from db.scales import DEFAULT_BANDS, Bands


def test_bands_are_stored_audited_and_seen_by_another_connection(any_register: Any) -> None:
    reg = any_register
    with reg.session() as s:
        assert register_bands(s) == DEFAULT_BANDS  # seeded by the migrations
        before = audit.change_counter(s)
    with reg.write() as s:
        assert set_register_bands(s, Bands(3, 8, 12), actor="officer")
    with reg.write() as s:
        assert not set_register_bands(s, Bands(3, 8, 12), actor="officer")  # no change
    other = Register(url=reg.url, engine=make_engine(reg.url))  # another member's connection
    try:
        with other.session() as s:
            assert register_bands(s) == Bands(3, 8, 12)
            entries = audit.history(s, kind="register", ref="bands")
            assert [(e.actor_name, e.action) for e in entries] == [("officer", "update")]
            # The login role on PostgreSQL, the OS user on SQLite.
            expected = "postgres" if reg.engine.dialect.name == "postgresql" else os_user()
            assert [e.actor for e in entries] == [expected]
            assert audit.parse_changes(entries[0]) == {"bands": ["4,9,14", "3,8,12"]}
            assert audit.change_counter(s) == before + 1  # what other windows poll
            assert audit.verify_chain(s) == []
    finally:
        other.dispose()


def test_unreadable_stored_bands_read_as_the_defaults(register: Any) -> None:
    with register.write() as s:
        set_meta(s, "bands", "9,3,1")
    with register.session() as s:
        assert register_bands(s) == DEFAULT_BANDS
