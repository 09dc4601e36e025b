"""How numbers and counted nouns are written in the pack: one minus sign, thousands
separators, and sentences that read right for 0 and 1."""

from __future__ import annotations

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


def count_of(n: int, singular: str, plural: str | None = None, *, zero: str = "no") -> str:
    """``0 risks`` -> ``no risks``, ``1 risk``, ``1,204 risks``."""
    many = plural or f"{singular}s"
    if n == 0:
        return f"{zero} {many}"
    return f"1 {singular}" if n == 1 else f"{thousands(n)} {many}"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
