"""Property-based: whatever a user types into a form comes back literally (R3)."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from desktop.dialogs.event_dialog import EventDialog
from desktop.dialogs.stakeholder_dialog import StakeholderDialog

# Anything printable, including markup, quotes, RTL, emoji and combining marks;
# control characters are left out (a one-line field cannot hold a line break).
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=300)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@example(name="Ministry", notes="before\x00after")
@given(name=TEXT, notes=st.text(st.characters(blacklist_categories=("Cs",)), max_size=500))
def test_stakeholder_form_returns_what_was_typed(qtbot, name: str, notes: str) -> None:
    dialog = StakeholderDialog(None)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText(name)
    dialog.name_edit.edited.emit()
    name = dialog.name_edit.text()  # at most 200 characters fit
    assert len(name) <= 200
    dialog.notes_edit.setPlainText(notes)
    data, errors = dialog.validate()
    # Qt's text box turns CR, CRLF and the Unicode separators into plain line breaks.
    typed_notes = dialog.notes_edit.toPlainText()
    if name.strip() and "\x00" in typed_notes:  # no register can hold a NUL (issue 12)
        assert data is None
        assert errors == {"notes": ["must not contain NUL characters"]}
    elif name.strip():
        assert data is not None, errors
        assert data.name == name.strip()
        assert (data.notes or "") == typed_notes.strip()
    else:
        assert data is None
        assert dialog.error_text("name")
        assert not dialog.save_button.isEnabled()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=TEXT, url=TEXT)
def test_event_form_never_accepts_a_bad_address_or_title(qtbot, title: str, url: str) -> None:
    dialog = EventDialog(None)
    qtbot.addWidget(dialog)
    dialog.title_edit.setText(title)
    dialog.url_field.line.setText(url)
    dialog.title_edit.edited.emit()
    data, errors = dialog.validate()
    typed = dialog.title_edit.text()
    assert typed == title[:200]  # the field stops at the model's limit
    title_ok = 3 <= len(typed.strip())
    url_ok = not url.strip() or url.strip().lower().startswith(("http://", "https://"))
    if data is not None:
        assert title_ok and data.title == typed.strip()
        assert data.source_url is None or data.source_url == url.strip()
        assert data.source_url is None or data.source_url.lower().startswith(
            ("http://", "https://")
        )
    else:
        assert not title_ok or not url_ok or "source_url" in errors
