"""The rule on ``responds_to`` chains: an event's chain of answers never comes back
to itself (A answers B answers A, or longer, or an event answering itself).

One rule for every way an event gets its ``responds_to``: the repository (forms and
services), the event form's own check before saving and the import (``db.importexport.
validate``, where the chain runs through the file's rows and the register's events).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

_WHOLE_CHECKED: ContextVar[bool] = ContextVar("responses_whole_checked", default=False)


@contextmanager
def checked_as_a_whole() -> Iterator[None]:
    """Writes inside the block were checked together (an import checks its file's
    final links at once); the record-by-record walk, which would see half-applied
    states (a loop a later row of the same file breaks), is skipped."""
    token = _WHOLE_CHECKED.set(True)
    try:
        yield
    finally:
        _WHOLE_CHECKED.reset(token)


def whole_checked() -> bool:
    return _WHOLE_CHECKED.get()


def response_loop(start: K, target: K | None, responds_to: Callable[[K], K | None]) -> list[K]:
    """The loop that making ``start`` respond to ``target`` would close:
    ``[start, target, ..., start]``; empty when there is none.

    ``responds_to(event)`` gives the event an event currently answers (None: none);
    a chain that already loops without reaching ``start`` ends the walk.
    """
    if target is None:
        return []
    path = [start]
    seen = {start}
    current: K | None = target
    while current is not None:
        path.append(current)
        if current == start:
            return path
        if current in seen:
            return []
        seen.add(current)
        current = responds_to(current)
    return []


def loop_reason(refs: list[str]) -> str:
    """The words for a refused loop of event refs."""
    if len(refs) == 2:
        return "an event cannot respond to itself"
    return "would make a loop of responses (" + " -> ".join(refs) + ")"


def loops_through(responds_to: dict[K, K | None], starts: list[K]) -> dict[K, list[K]]:
    """Every event of ``starts`` that lies on a loop of ``responds_to``, with its loop
    (``[event, next, ..., event]``).  Each event is walked once (linear time)."""
    done: set[K] = set()
    found: dict[K, list[K]] = {}
    for start in starts:
        path: list[K] = []
        where: dict[K, int] = {}
        current: K | None = start
        while current is not None and current not in done and current not in where:
            where[current] = len(path)
            path.append(current)
            current = responds_to.get(current)
        if current is not None and current in where:  # came back onto this walk: a loop
            loop = path[where[current] :]
            for i, event in enumerate(loop):
                found[event] = [*loop[i:], *loop[:i], event]
        done.update(path)
    return found
