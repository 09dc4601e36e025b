"""The one palette shared by the PDF and the GUI heat map (plain hex strings, Qt-free)."""

from __future__ import annotations

# Risk bands (cell fill) and a darker tone of each for text and outlines.
BAND_COLOURS: dict[str, str] = {
    "low": "#6fbf73",
    "medium": "#f2c94c",
    "high": "#f2994a",
    # Dark enough for its white text to pass WCAG AA (4.5:1); tests/briefing checks every pair.
    "critical": "#c43c3c",
}
BAND_TEXT_COLOURS: dict[str, str] = {
    "low": "#1e4620",
    "medium": "#5c4800",
    "high": "#5a2a00",
    "critical": "#ffffff",
}

# Classification banners: band fill and text colour per level.
BANNER_COLOURS: dict[str, str] = {
    "PUBLIC": "#455a64",
    "UNCLASSIFIED": "#2e7d32",
    "RESTRICTED": "#1f5fa8",
    "CONFIDENTIAL": "#c2185b",
    "SECRET": "#c62828",
}
BANNER_TEXT_COLOURS: dict[str, str] = {level: "#ffffff" for level in BANNER_COLOURS}

# Stakeholder stance, -2 hostile .. +2 champion.
STANCE_COLOURS: dict[int, str] = {
    -2: "#b71c1c",
    -1: "#ef6c00",
    0: "#9e9e9e",
    1: "#43a047",
    2: "#1b5e20",
}

# The same stances as text on white or a table stripe (WCAG AA): the mid tones above
# are for dots and bars, too light for words.
STANCE_TEXT_COLOURS: dict[int, str] = {
    -2: "#b71c1c",
    -1: "#b34700",
    0: "#616161",
    1: "#2e7d32",
    2: "#1b5e20",
}

# Event kinds (bar chart series), in EventKind order.
EVENT_KIND_COLOURS: dict[str, str] = {
    "criticism": "#c62828",
    "media_report": "#6a1b9a",
    "customer_action": "#ef6c00",
    "employee_action": "#f9a825",
    "statement": "#1565c0",
    "government_action": "#2e7d32",
    "partnership_milestone": "#00838f",
    "other": "#757575",
}

# Neutral tones of the document itself.
INK = "#1d2733"
MUTED = "#5b6775"
RULE = "#c9d1da"
ACCENT = "#1f3a5f"
TABLE_HEADER = "#1f3a5f"
TABLE_HEADER_TEXT = "#ffffff"
TABLE_STRIPE = "#f3f6f9"
OVERDUE = "#fde0dc"
OVERDUE_TEXT = "#b71c1c"


def band_colour(band: str) -> str:
    return BAND_COLOURS.get(band, "#cccccc")


def banner_colour(level: str) -> str:
    return BANNER_COLOURS.get(str(level).upper(), "#424242")


def stance_colour(stance: int) -> str:
    return STANCE_COLOURS.get(int(stance), STANCE_COLOURS[0])


def stance_text_colour(stance: int) -> str:
    return STANCE_TEXT_COLOURS.get(int(stance), STANCE_TEXT_COLOURS[0])


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(ink: str, fill: str) -> float:
    """WCAG 2 contrast ratio of text ``ink`` on ``fill`` (1 to 21; AA asks 4.5 for body text)."""
    a, b = sorted((relative_luminance(ink), relative_luminance(fill)), reverse=True)
    return (a + 0.05) / (b + 0.05)
