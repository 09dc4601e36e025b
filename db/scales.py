"""Likelihood and impact scales and the score bands of the risk matrix."""

from __future__ import annotations

from dataclasses import dataclass

LIKELIHOOD_LABELS: tuple[str, ...] = ("Rare", "Unlikely", "Possible", "Likely", "Almost certain")
IMPACT_LABELS: tuple[str, ...] = ("Minimal", "Minor", "Moderate", "Major", "Severe")


@dataclass(frozen=True)
class Bands:
    """Upper bounds (inclusive) of the low, medium and high bands; critical is the rest.

    Defaults: low 1-4, medium 5-9, high 10-14, critical 15-25.
    """

    low_max: int = 4
    medium_max: int = 9
    high_max: int = 14

    def __post_init__(self) -> None:
        if not (1 <= self.low_max < self.medium_max < self.high_max < 25):
            raise ValueError("bands must satisfy 1 <= low < medium < high < 25")

    def band(self, score: int) -> str:
        if score <= self.low_max:
            return "low"
        if score <= self.medium_max:
            return "medium"
        if score <= self.high_max:
            return "high"
        return "critical"

    def to_text(self) -> str:
        return f"{self.low_max},{self.medium_max},{self.high_max}"

    @classmethod
    def from_text(cls, text: str) -> Bands:
        parts = [int(p) for p in text.split(",")]
        if len(parts) != 3:
            raise ValueError("bands are three numbers: low,medium,high upper bounds")
        return cls(*parts)

    def ranges(self) -> list[tuple[str, int, int]]:
        return [
            ("low", 1, self.low_max),
            ("medium", self.low_max + 1, self.medium_max),
            ("high", self.medium_max + 1, self.high_max),
            ("critical", self.high_max + 1, 25),
        ]


DEFAULT_BANDS = Bands()
BAND_NAMES: tuple[str, ...] = ("low", "medium", "high", "critical")


def score(likelihood: int, impact: int) -> int:
    return likelihood * impact


def band_for(likelihood: int, impact: int, bands: Bands = DEFAULT_BANDS) -> str:
    return bands.band(score(likelihood, impact))
