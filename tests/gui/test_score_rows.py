"""The score rows of the record forms are one row (``RecordDialog.add_score_row``): the
risk form's inherent and residual scores and the action form's expected score read,
load, focus and report their two fields the same way."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.dialogs.action_dialog import ActionDialog
from desktop.dialogs.risk_dialog import RiskDialog
from desktop.services import records

ROWS = [
    # (form, picker attribute, (likelihood field, impact field), optional)
    (RiskDialog, "inherent", ("likelihood", "impact"), False),
    (RiskDialog, "residual", ("residual_likelihood", "residual_impact"), True),
    (ActionDialog, "expected", ("expected_likelihood", "expected_impact"), True),
]


@pytest.mark.parametrize(("form", "attr", "fields", "optional"), ROWS)
def test_each_score_row_reads_loads_and_focuses_its_two_fields(
    qtbot: Any, form: Any, attr: str, fields: tuple[str, str], optional: bool
) -> None:
    dialog = form(None)
    qtbot.addWidget(dialog)
    picker = getattr(dialog, attr)
    likelihood, impact = fields

    picker.likelihood.set_value(2)
    picker.impact.set_value(5)
    values, errors = dialog.collect()
    assert (values[likelihood], values[impact], errors) == (2, 5, {})
    assert picker.chip.text() == "Score 10  High"

    # A message about either field sends the cursor to its own picker.
    assert dialog.editor(likelihood) is picker.likelihood
    assert dialog.editor(impact) is picker.impact
    assert dialog.error_label(likelihood) is dialog.error_label(impact)  # one row, one line

    # Loading a record puts each field into its own picker.
    loaded = records.new_form_data(dialog.kind, **{likelihood: 4, impact: 1})
    if dialog.kind == "action":
        loaded.values["risk_ids"] = []
    dialog.load(loaded)
    assert (picker.likelihood.value(), picker.impact.value()) == (4, 1)

    # Only the optional rows may be left empty.
    picker.impact.set_value(None)
    assert (picker.impact.value() is None) is optional
