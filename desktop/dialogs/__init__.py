"""Dialogs: the record forms and the small prompts around them."""
