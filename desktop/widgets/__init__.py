"""Reusable painted widgets (heat map, charts)."""
