"""Stakeholder Risk Tracker: the desktop application, command line and briefing pack."""

__version__ = "0.1.0"
PRODUCT_NAME = "Stakeholder Risk Tracker"
