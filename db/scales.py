"""Likelihood and impact scales (their labels).

The scoring rules and the matrix bands live in :mod:`db.scoring`; the names below
are kept here for the modules that import them from this place.
"""

from __future__ import annotations

from db.scoring import BAND_NAMES, DEFAULT_BANDS, Bands, band_for, score

__all__ = [
    "BAND_NAMES",
    "DEFAULT_BANDS",
    "IMPACT_LABELS",
    "LIKELIHOOD_LABELS",
    "Bands",
    "band_for",
    "score",
]

LIKELIHOOD_LABELS: tuple[str, ...] = ("Rare", "Unlikely", "Possible", "Likely", "Almost certain")
IMPACT_LABELS: tuple[str, ...] = ("Minimal", "Minor", "Moderate", "Major", "Severe")
