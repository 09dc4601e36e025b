"""One search for everything: any record of any kind, by ref or by its words, ranked.

``search(session, text)`` answers from the index of ``db.search_index`` (FTS5 on
SQLite, the ``search_vector`` column on PostgreSQL) and ranks in tiers:

1. the record whose ref *is* the text (``r-7`` and ``R-007`` both find R-007);
2. records whose ref starts with the text (``E-00`` while typing a ref);
3. records whose words match: every word of the text, the last ones as prefixes
   (``prot`` finds "Protest"), ranked by relevance with the title above the rest.

The user's text is never handed to the search syntax: it is cut into words and
each word is quoted, so ``"``, ``*``, ``NEAR``, ``-``, ``AND`` or an unbalanced quote
are searched for as text (or ignored as punctuation), never parsed.

Classification: every query selects from the record tables themselves, so the
admitted ``levels`` (the caller's ceiling) are applied in SQL, and on PostgreSQL
any row-level security policy on a record table applies as well.

Bounded work: for a word found in very many records (a common word among a
million events), relevance is ranked among the ``POOL`` newest matches of each
kind rather than among all of them, so the answer never waits on ranking a
hundred thousand rows; a rarer word is ranked among all its matches.  SQLite's
FTS5 walks its index newest first and stops; PostgreSQL first asks the GIN index
for up to ``POOL + 1`` matches in any order (instant however rare the word: a walk
down the primary key would read the whole table for a word that is nowhere), and
only when there are more does it take the newest ``POOL`` by that walk, which is
then short because the word is common.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text as sql_text
from sqlmodel import Session

from db.kinds import KINDS, kind_info, normalise_kind
from db.search_index import PG_COLUMN, PG_CONFIG, SEARCHED, SearchedKind

DEFAULT_LIMIT = 20
POOL = 1_000  # newest matches ranked per kind when a word is very common
MIN_PREFIX = 2  # shorter words match whole words only (a one-letter prefix matches everything)
MAX_WORDS = 12  # the rest of a pasted paragraph adds nothing but cost

EXACT_REF, REF_PREFIX, WORDS = 0, 1, 2

_REF = re.compile(r"^\s*([A-Za-z])-(\d*)\s*$")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "event"
    id: int
    ref: str
    title: str
    tier: int  # EXACT_REF, REF_PREFIX or WORDS
    score: float = 0.0  # relevance within the WORDS tier: higher is better


def words_of(text: str) -> list[str]:
    """The words searched for: letters and digits only, so no search syntax survives."""
    return [w.lower() for w in _WORD.findall(text)][:MAX_WORDS]


def fts5_query(words: Sequence[str]) -> str:
    """An FTS5 MATCH string: every word quoted, AND-ed, prefix-matched when long enough."""
    return " ".join(f'"{w}"' + ("*" if len(w) >= MIN_PREFIX else "") for w in words)


def tsquery(words: Sequence[str]) -> str:
    """A ``to_tsquery`` string: every word quoted as a lexeme, AND-ed, prefix-matched."""
    return " & ".join(f"'{w}'" + (":*" if len(w) >= MIN_PREFIX else "") for w in words)


def _indexed(kinds: Iterable[str] | None) -> list[SearchedKind]:
    if kinds is None:
        return list(SEARCHED)
    wanted = {normalise_kind(k) for k in kinds}
    return [item for item in SEARCHED if item.kind in wanted]


def _level_clause(levels: Sequence[str] | None, params: dict[str, Any]) -> str:
    if levels is None:
        return ""
    names = []
    for i, level in enumerate(levels):
        params[f"level{i}"] = str(level)
        names.append(f":level{i}")
    return f" AND c.classification IN ({', '.join(names)})" if names else " AND 1 = 0"


def _ref_hits(
    session: Session, item: SearchedKind, needle: str, limit: int, levels: Sequence[str] | None
) -> list[SearchHit]:
    """Refs of ``item``'s kind equal to or starting with ``needle`` (``r-7`` means R-007)."""
    match = _REF.match(needle)
    if match is None:
        return []
    info = kind_info(item.kind)
    letter, digits = match.group(1).upper(), match.group(2)
    if letter != info.prefix:
        return []
    exact = info.format_ref(int(digits)) if digits else None
    start = f"{letter}-{digits}"
    params: dict[str, Any] = {"lo": start, "hi": start + "\uffff", "limit": limit}
    levels_sql = _level_clause(levels, params)
    # A range, not LIKE: the unique index on ref serves it on both backends.
    select_sql = f"SELECT c.id, c.ref, c.{item.title} FROM {item.table_name} c WHERE "  # noqa: S608 (names from SEARCHED)
    in_range = f"c.ref >= :lo AND c.ref < :hi{levels_sql} ORDER BY c.ref LIMIT :limit"
    rows = list(session.execute(sql_text(select_sql + in_range), params))
    if exact is not None and exact != start:  # "r-7": R-007 is not in the range "R-7..."
        params["exact"] = exact
        equal = sql_text(f"{select_sql}c.ref = :exact{levels_sql}")
        rows = [*session.execute(equal, params), *(r for r in rows if r[1] != exact)]
    return [
        SearchHit(
            item.kind, int(r[0]), str(r[1]), str(r[2]), EXACT_REF if r[1] == exact else REF_PREFIX
        )
        for r in rows
    ]


def _sqlite_statement(item: SearchedKind, levels_sql: str) -> str:
    """The POOL newest matches (FTS5 walks its index in rowid order and stops), ranked
    by bm25 with the title weighted above the rest (negated: higher is better)."""
    t, fts = item.table_name, item.fts_table
    weights = ", ".join(["10.0"] + ["1.0"] * len(item.body))
    pool = (
        f"SELECT c.id, c.ref, c.{item.title} AS title, -bm25({fts}, {weights}) AS score "  # noqa: S608
        f"FROM {fts} JOIN {t} c ON c.id = {fts}.rowid "
        f"WHERE {fts} MATCH :match{levels_sql} ORDER BY {fts}.rowid DESC LIMIT :pool"
    )
    return f"SELECT id, ref, title, score FROM ({pool}) p ORDER BY score DESC, id DESC LIMIT :limit"  # noqa: S608


def _postgres_statement(item: SearchedKind, levels_sql: str, *, newest: bool) -> str:
    """Matches with their ``ts_rank``: any POOL + 1 of them (the GIN index answers at
    once, however rare the word), or with ``newest`` the POOL newest (a walk down the
    primary key, quick when the word is common, which is when it is asked for)."""
    t = item.table_name
    query = f"to_tsquery('{PG_CONFIG}', :match)"
    return (
        f"SELECT c.id, c.ref, c.{item.title}, ts_rank(c.{PG_COLUMN}, {query}) "  # noqa: S608
        f"FROM {t} c WHERE c.{PG_COLUMN} @@ {query}{levels_sql} "
        + ("ORDER BY c.id DESC LIMIT :pool" if newest else "LIMIT :pool + 1")
    )


def _word_hits(
    session: Session,
    item: SearchedKind,
    words: Sequence[str],
    limit: int,
    levels: Sequence[str] | None,
) -> list[SearchHit]:
    sqlite = session.get_bind().dialect.name == "sqlite"
    pool = max(POOL, limit)
    params: dict[str, Any] = {
        "match": fts5_query(words) if sqlite else tsquery(words),
        "pool": pool,
        "limit": limit,
    }
    levels_sql = _level_clause(levels, params)
    if sqlite:
        rows = list(session.execute(sql_text(_sqlite_statement(item, levels_sql)), params))
    else:
        # Every match when there are at most POOL (ranked in full), else the POOL newest.
        rows = list(
            session.execute(sql_text(_postgres_statement(item, levels_sql, newest=False)), params)
        )
        if len(rows) > pool:
            newest = _postgres_statement(item, levels_sql, newest=True)
            rows = list(session.execute(sql_text(newest), params))
        rows.sort(key=lambda r: (-float(r[3] or 0.0), -int(r[0])))
        rows = rows[:limit]
    return [
        SearchHit(item.kind, int(r[0]), str(r[1]), str(r[2]), WORDS, float(r[3] or 0.0))
        for r in rows
    ]


_KIND_ORDER = [k.value for k in KINDS]


def _kind_order(kind: str) -> int:
    return _KIND_ORDER.index(kind) if kind in _KIND_ORDER else len(_KIND_ORDER)


def search(
    session: Session,
    text: str,
    *,
    kinds: Iterable[str] | None = None,
    limit: int = DEFAULT_LIMIT,
    levels: Sequence[str] | None = None,
) -> list[SearchHit]:
    """The ``limit`` best records matching ``text``, of ``kinds`` (every indexed kind
    when None), at the admitted classification ``levels`` (no ceiling when None)."""
    needle = text.strip()
    if not needle or limit <= 0:
        return []
    words = words_of(needle)
    found: dict[tuple[str, int], SearchHit] = {}
    for item in _indexed(kinds):
        hits = _ref_hits(session, item, needle, limit, levels)
        if words:
            hits += _word_hits(session, item, words, limit, levels)
        for hit in hits:
            key = (hit.kind, hit.id)
            if key not in found or (hit.tier, -hit.score) < (found[key].tier, -found[key].score):
                found[key] = hit
    return sorted(found.values(), key=_rank_key)[:limit]


def _rank_key(hit: SearchHit) -> tuple[Any, ...]:
    """Tier first; refs in ref order; words by relevance, then newest first."""
    if hit.tier == WORDS:
        return (hit.tier, -hit.score, -hit.id, _kind_order(hit.kind))
    return (hit.tier, _kind_order(hit.kind), hit.ref)
