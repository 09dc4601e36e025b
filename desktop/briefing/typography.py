"""How numbers and counted nouns are written in the pack: one minus sign, thousands
separators, and sentences that read right for 0 and 1."""

from __future__ import annotations

from desktop.services.wording import count_of as count_of  # one rule for counted nouns

MINUS = "\u2212"  # the one minus sign of the pack (never the hyphen-minus)


def thousands(value: int) -> str:
    """``12345`` -> ``12,345``; ``-1200`` -> ``−1,200``."""
    text = f"{abs(int(value)):,}"
    return f"{MINUS}{text}" if value < 0 else text


def signed(value: int) -> str:
    """A change or a sentiment: ``+3``, ``−2``, ``0``."""
    if value > 0:
        return f"+{thousands(value)}"
    return thousands(value)


def minus_signs(text: str) -> str:
    """Hyphen-minus before a digit (a negative number in generated text) as U+2212."""
    out = []
    for i, ch in enumerate(text):
        if (
            ch == "-"
            and i + 1 < len(text)
            and text[i + 1].isdigit()
            and (i == 0 or not (text[i - 1].isalnum()))
        ):
            out.append(MINUS)
        else:
            out.append(ch)
    return "".join(out)


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
