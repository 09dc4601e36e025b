"""``risk-tracker search TEXT [--kind KIND] [--limit N] [--ceiling LEVEL]``.

One line per record found, best first: ``REF<TAB>KIND<TAB>TITLE`` (a tab or line
break inside a title is printed as a space, so every record stays one line).
Nothing found prints nothing and exits 0.  Nothing here imports Qt.
"""

from __future__ import annotations

from typing import Any

from desktop.commands.register import _open


def format_hit_line(ref: str, kind: str, title: str) -> str:
    return "\t".join((ref, kind, " ".join(title.split())))


def run_search(args: Any) -> int:
    from db.classification import levels_up_to
    from db.queries.search import search

    ceiling = getattr(args, "ceiling", None)
    levels = levels_up_to(ceiling) if ceiling else None  # ValueError: a clear message, exit 1
    kinds = [args.kind] if getattr(args, "kind", None) else None
    register = _open(args, create=False)
    try:
        with register.session() as session:
            hits = search(session, args.text, kinds=kinds, limit=args.limit, levels=levels)
    finally:
        register.dispose()
    for hit in hits:
        print(format_hit_line(hit.ref, hit.kind, hit.title))
    return 0
