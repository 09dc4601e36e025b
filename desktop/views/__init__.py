"""The pages of the main window, one screen per module."""
