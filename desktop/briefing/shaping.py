"""Right-to-left text for a left-to-right drawing engine: Arabic shaping and bidi order.

ReportLab draws the characters it is given from left to right, one glyph each (its
own bidi support needs a package not on PyPI).  So the pack does two things itself:

- **Shaping** (``shape``), before layout, in logical order: Arabic letters become the
  joining forms they take in their word (the Unicode presentation forms, which DejaVu
  Sans draws), lam-alef becomes its ligature, by the ``arabic-reshaper`` library.
  Diacritics are kept, isolated letters keep their own code point.  The PDF's text
  layer maps every presentation form back to the letters typed
  (``desktop.briefing.fonts``).
- **Bidi order** (``visual_order``), after line breaking, one line at a time: the
  Unicode bidirectional algorithm's levels, from the ``python-bidi`` library, then
  rules L1 (trailing spaces at the paragraph level), L2 (reversal of runs) and L4
  (mirrored brackets), with combining marks, joiners, variation selectors and emoji
  modifiers kept after the character they belong to (rule L3), so that a line in any
  mix of scripts reads in the right order and wrapped lines stay in their order.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import arabic_reshaper
from arabic_reshaper.ligatures import LIGATURES
from bidi import algorithm as uba
from bidi.mirror import MIRRORED

# Strong right-to-left characters and the explicit right-to-left controls.
_RTL = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\u200f\u202b\u202e\u2067"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_STRONG = {"L": False, "R": True, "AL": True}


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds anything that a bidi reordering could move."""
    return _RTL.search(text) is not None


def is_rtl(text: str) -> bool:
    """The paragraph direction of ``text`` (rules P2/P3: its first strong character)."""
    if not has_rtl(text):
        return False
    for ch in text:
        direction = _STRONG.get(unicodedata.bidirectional(ch))
        if direction is not None:
            return direction
    return False


def _reshaper() -> arabic_reshaper.ArabicReshaper:
    config: dict[str, object] = {
        "delete_harakat": False,  # diacritics print and extract as typed
        "shift_harakat_position": False,
        "delete_tatweel": False,
        "support_zwj": False,  # a typed joiner is kept, never dropped
        "use_unshaped_instead_of_isolated": True,
        "support_ligatures": True,
    }
    # Only the lam-alef ligatures (mandatory in Arabic script); the word ligatures
    # (Allah, salla...) would add letters that were never typed to the text layer.
    for name, _forms in LIGATURES:
        config[name] = name.startswith("ARABIC LIGATURE LAM WITH ALEF") and "MAKSURA" not in name
    return arabic_reshaper.ArabicReshaper(configuration=config)


_RESHAPER = _reshaper()


def shape(text: str) -> str:
    """``text`` with its Arabic letters in their joining forms (still in logical order)."""
    if _ARABIC.search(text) is None:
        return text
    return str(_RESHAPER.reshape(text))


# ----------------------------------------------------------------- bidi order


def _attaches(ch: str, previous: str) -> bool:
    """Whether ``ch`` belongs to the character before it (one unit, never separated)."""
    code = ord(ch)
    if previous == "\u200d":  # the character after a zero-width joiner
        return True
    if unicodedata.category(ch) in ("Mn", "Me", "Mc"):
        return True
    return (
        code in (0x200C, 0x200D)
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin tones
        or 0xE0020 <= code <= 0xE007F  # tag characters
        or 0xE0100 <= code <= 0xE01EF
    )


def _strong(kind: str) -> str | None:
    if kind == "L":
        return "L"
    if kind in ("R", "AL", "EN", "AN"):
        return "R"
    return None


def _resolve_brackets(chars: list[dict[str, object]], base: int) -> None:
    """Rule N0 (paired brackets take the direction of what they enclose or surround),
    which the library's pure-Python algorithm predates.  The line is taken as one
    isolating run sequence (the pack's text carries no explicit embeddings)."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for i, entry in enumerate(chars):
        ch = str(entry["ch"])
        if entry["type"] != "ON":
            continue
        category = unicodedata.category(ch)
        if category == "Ps" and ch in MIRRORED:
            stack.append(i)
        elif category == "Pe" and ch in MIRRORED:
            for depth in range(len(stack) - 1, -1, -1):
                if MIRRORED[str(chars[stack[depth]]["ch"])] == ch:
                    pairs.append((stack[depth], i))
                    del stack[depth:]
                    break
    for opening, closing in sorted(pairs):
        level = int(str(chars[opening]["level"]))
        embedding = "R" if level % 2 else "L"
        inside = {_strong(str(chars[k]["type"])) for k in range(opening + 1, closing)}
        if embedding in inside:
            new = embedding
        elif inside - {None}:
            before = "R" if base else "L"
            for k in range(opening - 1, -1, -1):
                found = _strong(str(chars[k]["type"]))
                if found is not None:
                    before = found
                    break
            new = before if before != embedding else embedding
        else:
            continue
        chars[opening]["type"] = chars[closing]["type"] = new


@lru_cache(maxsize=4096)
def _levels(text: str, rtl: bool) -> tuple[int, ...]:
    """The resolved embedding level of every character of one line (rules P..I, L1)."""
    base = 1 if rtl else 0
    storage = uba.get_empty_storage()
    storage["base_level"] = base
    storage["base_dir"] = "R" if rtl else "L"
    uba.get_embedding_levels(text, storage)
    for i, entry in enumerate(storage["chars"]):
        entry["i"] = i
    uba.explicit_embed_and_overrides(storage)
    uba.resolve_weak_types(storage)
    _resolve_brackets(storage["chars"], base)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    levels: list[int | None] = [None] * len(text)
    for entry in storage["chars"]:
        levels[entry["i"]] = entry["level"]
    out: list[int] = []
    for level in levels:  # characters removed by rule X9 take their neighbour's level
        out.append(level if level is not None else (out[-1] if out else base))
    # L1: whitespace (and X9-removed characters) at the end of the line: paragraph level.
    i = len(text) - 1
    while i >= 0 and (text[i].isspace() or levels[i] is None):
        out[i] = base
        i -= 1
    return tuple(out)


def visual_order(text: str, rtl: bool) -> list[tuple[int, str]]:
    """The characters of one line in drawing order: (logical index, character drawn).

    The character drawn differs from the one typed only for mirrored brackets in a
    right-to-left run.
    """
    if not text:
        return []
    levels = _levels(text, rtl)
    units: list[list[int]] = []
    for i, ch in enumerate(text):
        if units and _attaches(ch, text[i - 1]):
            units[-1].append(i)
        else:
            units.append([i])
    unit_levels = [levels[u[0]] for u in units]
    top = max(unit_levels)
    lowest_odd = min((lv for lv in unit_levels if lv % 2), default=top + 1)
    order = list(range(len(units)))
    for level in range(top, lowest_odd - 1, -1):  # L2
        i = 0
        while i < len(order):
            if unit_levels[order[i]] >= level:
                j = i
                while j < len(order) and unit_levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    out: list[tuple[int, str]] = []
    for u in order:
        odd = unit_levels[u] % 2 == 1
        for i in units[u]:
            ch = text[i]
            out.append((i, MIRRORED.get(ch, ch) if odd else ch))  # L4
    return out


def visual(text: str, rtl: bool | None = None) -> str:
    """One line of ``text`` in drawing order (``rtl``: the paragraph direction)."""
    if not has_rtl(text):
        return text
    direction = is_rtl(text) if rtl is None else rtl
    return "".join(ch for _, ch in visual_order(text, direction))
