"""Which POSIX locks a process holds on given files, read from Linux's /proc/locks.

SQLite keeps its locks as fcntl locks; a process that opened and closed one of the
register's files outside SQLite has none left (STYLE.md habit 15).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HAS_PROC_LOCKS = sys.platform.startswith("linux") and Path("/proc/locks").exists()
needs_proc_locks = pytest.mark.skipif(
    not HAS_PROC_LOCKS, reason="reads the locks a process holds from Linux's /proc/locks"
)


def locks_held(pid: int, *paths: Path) -> list[str]:
    """``"<file name> <READ|WRITE> <start>-<end>"`` for each lock ``pid`` holds on ``paths``."""
    names: dict[int, str] = {}
    for path in paths:
        try:
            names[os.stat(path).st_ino] = path.name
        except FileNotFoundError:
            pass
    held = []
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "->" in parts:  # a lock that is waited for, not held
            continue
        if len(parts) < 8 or parts[1] not in ("POSIX", "OFDLCK") or parts[4] != str(pid):
            continue
        inode = int(parts[5].rsplit(":", 1)[1])
        if inode in names:
            held.append(f"{names[inode]} {parts[3]} {parts[6]}-{parts[7]}")
    return sorted(held)


# Bytes 120-127 of the -shm are WAL locks taken for one transaction (the writer, the
# checkpointer, recovery and the five read marks); byte 128 and the database file's lock
# last as long as the connection.  A snapshot taken while a background query happens to
# read would otherwise differ from one taken when it does not.
TRANSACTION_SHM_BYTES = range(120, 128)


def lasting_locks(held: list[str]) -> list[str]:
    """The locks of ``locks_held`` that an open connection keeps between transactions."""
    lasting = []
    for lock in held:
        name, _mode, span = lock.split(" ")
        start = int(span.split("-")[0])
        if name.endswith("-shm") and start in TRANSACTION_SHM_BYTES:
            continue
        lasting.append(lock)
    return lasting
