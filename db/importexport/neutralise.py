"""Formula neutralisation (OWASP "CSV injection") and its exact reversal.

The rule, applied to every *text* cell that export writes (CSV and XLSX alike):

* **export**: a text value that begins with one of the trigger characters
  ``=`` ``+`` ``-`` ``@`` TAB CR LF, *or* with an apostrophe ``'``, is written
  with one extra apostrophe in front.  A spreadsheet shows such a cell as text
  and never evaluates it.  Numbers and dates are written as numbers and dates
  and are never prefixed (``-3`` stays the number -3).
* **import**: a text cell that begins with an apostrophe *followed by* a trigger
  character or by another apostrophe loses that first apostrophe.  Nothing else
  is touched, so ``'hello`` in a hand-made file stays ``'hello``.

Together the two are exact inverses: ``restore(neutralise(v)) == v`` for every
string ``v`` (``=1+1`` -> ``'=1+1`` -> ``=1+1``; ``'=1`` -> ``''=1`` -> ``'=1``;
``'x`` -> ``''x`` -> ``'x``), which ``tests/importexport`` checks with hypothesis.

XLSX adds one more layer.  XML cannot hold most control characters and turns a
carriage return into a line feed when it is read back, so ``xlsx_escape`` writes
them the way Excel itself does, as ``_xHHHH_`` (CR is ``_x000D_``); a literal
``_xHHHH_`` in the text has its underscore escaped (``_x005F_``) so that it too
reads back unchanged.  ``xlsx_unescape`` reverses it.
"""

from __future__ import annotations

import re

TRIGGERS = frozenset("=+-@\t\r\n")
QUOTE = "'"


def needs_prefix(value: str) -> bool:
    return bool(value) and (value[0] in TRIGGERS or value[0] == QUOTE)


def neutralise(value: str) -> str:
    """The text as it is written to a cell: a leading ``'`` when a spreadsheet could run it."""
    if value and (value[0] in TRIGGERS or value[0] == QUOTE):
        return QUOTE + value
    return value


def restore(value: str) -> str:
    """Undo ``neutralise``: drop a leading ``'`` that precedes a trigger or another ``'``."""
    if len(value) > 1 and value[0] == QUOTE and (value[1] in TRIGGERS or value[1] == QUOTE):
        return value[1:]
    return value


# Characters XML 1.0 cannot carry, plus CR (which XML readers turn into LF).
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")


def xlsx_escape(value: str) -> str:
    """Text as stored in an XLSX cell (OOXML ``ST_Xstring`` escaping)."""
    if "_" in value:
        value = _ESCAPE_LIKE.sub("_x005F_", value)
    return _XML_UNSAFE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)


def xlsx_unescape(value: str) -> str:
    """Reverse ``xlsx_escape`` (and Excel's own escapes)."""
    if "_x" not in value:
        return value
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)
