"""Composition root of the desktop app (placeholder until the desktop-app issue lands)."""

from __future__ import annotations

import sys


def main(db: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    from db import repository
    from db.engine import open_register
    from db.errors import RegisterError

    app = QApplication.instance() or QApplication(sys.argv)
    try:
        register = open_register(db)
    except RegisterError as exc:
        print(f"risk-tracker: {exc}", file=sys.stderr)
        return 1
    with register.session() as session:
        counts = repository.counts(session)
    label = QLabel("\n".join(f"{k}: {v}" for k, v in counts.items()))
    label.setWindowTitle("Stakeholder Risk Tracker")
    label.show()
    return app.exec()
