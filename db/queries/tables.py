"""The tables as query code uses them.

SQLModel types a table class's attributes as plain Python values, so mypy rejects
``Risk.likelihood == 3`` inside ``where()``.  Query modules import the tables from
here, typed ``Any``, instead of repeating that workaround each.
"""

from __future__ import annotations

from typing import Any

from db import models

Action: Any = models.Action
ActionRiskLink: Any = models.ActionRiskLink
AuditEntry: Any = models.AuditEntry
Briefing: Any = models.BriefingRecord
Event: Any = models.Event
EventRiskLink: Any = models.EventRiskLink
Partnership: Any = models.Partnership
Risk: Any = models.Risk
RiskPartnershipLink: Any = models.RiskPartnershipLink
RiskStakeholderLink: Any = models.RiskStakeholderLink
Stakeholder: Any = models.Stakeholder
