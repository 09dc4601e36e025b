"""The page size of a SQLite file, read from its header, for tests that damage or cut a
register at page boundaries (a new register's pages are ``db.engine.PAGE_SIZE`` bytes)."""

from __future__ import annotations


def page_size(data: bytes) -> int:
    """The page size the header of a SQLite file (its first bytes) gives."""
    size = int.from_bytes(data[16:18], "big")  # bytes 16-17: the page size; 1 means 65,536
    return 65536 if size == 1 else size
