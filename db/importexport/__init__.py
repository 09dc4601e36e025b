"""CSV and XLSX import and export of stakeholders, partnerships, risks and events.

Qt-free; the GUI calls these from a worker thread with ``progress(done, total)`` and
``cancel() -> bool`` callables, the CLI (``risk-tracker import`` / ``export``) calls
them directly.

* ``import_file(register, kind, path, *, actor, dry_run=False, progress=None, cancel=None)``
  -> ``ImportResult`` (all or nothing; ``ValidationFailed`` lists every bad row).
* ``export_file(register, kind, path, *, ids=None, progress=None, cancel=None)`` -> rows.
* ``columns_for(kind)`` / ``column_names(kind)``: the file columns (PRODUCT.md "File formats").

``kind`` is singular or plural: ``"event"`` or ``"events"``.
"""

from db.importexport.columns import Column, column_names, columns_for, normalise_kind
from db.importexport.exporter import export_file
from db.importexport.importer import ImportResult, import_file, import_table
from db.importexport.neutralise import neutralise, restore

__all__ = [
    "Column",
    "ImportResult",
    "column_names",
    "columns_for",
    "export_file",
    "import_file",
    "import_table",
    "neutralise",
    "normalise_kind",
    "restore",
]
