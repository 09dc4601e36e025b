"""Whole dates typed into a date field: 2026-12-04, 4/12, today, -3d (and their edges)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.widgets.form_fields import DateEdit, parse_typed_date

TODAY = dt.date(2026, 12, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY),
        (" Today ", TODAY),
        ("tomorrow", None),
        ("-0d", TODAY),
        ("-1d", dt.date(2026, 12, 3)),
        ("+1d", dt.date(2026, 12, 5)),
        ("-3d", dt.date(2026, 12, 1)),
        ("-4d", dt.date(2026, 11, 30)),  # across a month
        ("+28d", dt.date(2027, 1, 1)),  # across a year
        ("-2w", dt.date(2026, 11, 20)),
        ("+0w", TODAY),
        ("-3D", dt.date(2026, 12, 1)),  # capitals as typed
        ("- 3d", dt.date(2026, 12, 1)),  # a space after the sign
        ("-9999d", TODAY - dt.timedelta(days=9999)),
        ("-10000d", None),  # four digits at most
        ("3d", None),  # the sign says which way
        ("-3m", None),
        ("4/12", dt.date(2026, 12, 4)),
        ("4.12", dt.date(2026, 12, 4)),
        ("1/1", dt.date(2026, 1, 1)),
        ("31/12", dt.date(2026, 12, 31)),
        ("32/12", None),
        ("0/12", None),
        ("1/13", None),
        ("29/2", None),  # 2026 is not a leap year
        ("29/2/2028", dt.date(2028, 2, 29)),
        ("4/12/2025", dt.date(2025, 12, 4)),
        ("4/12/25", None),  # a year has four digits
        ("2026-12-04", dt.date(2026, 12, 4)),
        ("2026-1-9", dt.date(2026, 1, 9)),
        ("2026-02-29", None),
        ("2028-02-29", dt.date(2028, 2, 29)),
        ("2026-13-01", None),
        ("", None),
        ("4/12 junk", None),
    ],
)
def test_parse_typed_date_at_each_formats_edges(text: str, expected: dt.date | None) -> None:
    assert parse_typed_date(text, TODAY) == expected


def typed(qtbot: Any, edit: DateEdit, text: str) -> dt.date | None:
    edit.setFocus()
    edit.lineEdit().selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    return edit.value()


@pytest.mark.parametrize("optional", [True, False])
def test_typing_each_form_into_a_date_field(qtbot: Any, optional: bool) -> None:
    today = dt.date.today()
    edit = DateEdit(optional=optional)
    qtbot.addWidget(edit)
    edit.show()
    cases = {
        "today": today,
        "-3d": today - dt.timedelta(days=3),
        "+1w": today + dt.timedelta(days=7),
        "4/12": dt.date(today.year, 12, 4),
        "2026-12-04": dt.date(2026, 12, 4),
        "31/12/2200": dt.date(2200, 12, 31),  # the field's last date
    }
    for text, expected in cases.items():
        edit.set_value(dt.date(2020, 1, 1))
        assert typed(qtbot, edit, text) == expected, text
        assert edit.text() == expected.isoformat()
    for refused in ("31/2", "2026-13-01", "soon"):  # no date: the field keeps its value
        edit.set_value(dt.date(2020, 1, 1))
        assert typed(qtbot, edit, refused) == dt.date(2020, 1, 1), refused
    # Past the field's last date: never taken (the field, as it does for digits, keeps
    # the last whole date seen while typing: 1/1 of this year).
    edit.set_value(dt.date(2020, 1, 1))
    assert typed(qtbot, edit, "1/1/2201") == dt.date(today.year, 1, 1)


def test_typing_into_an_empty_optional_date(qtbot: Any) -> None:
    edit = DateEdit(optional=True)
    qtbot.addWidget(edit)
    edit.show()
    assert edit.is_empty()
    assert typed(qtbot, edit, "-3d") == dt.date.today() - dt.timedelta(days=3)
    edit.clear_date()
    assert typed(qtbot, edit, "today") == dt.date.today()
