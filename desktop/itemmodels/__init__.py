"""Qt item models: thin adapters that are fed rows, never open a database session themselves.

* ``RegisterTableModel`` - a windowed model over a Qt-free row source (``count`` and
  ``fetch(offset, limit, sort, filter)``): pages on demand, sorting and filtering in SQL.
* ``RowsTableModel`` - small lists fed with ``set_rows``.
"""

from desktop.itemmodels.register_model import RegisterTableModel, RowSource
from desktop.itemmodels.rows_model import RowsColumn, RowsTableModel

__all__ = ["RegisterTableModel", "RowSource", "RowsColumn", "RowsTableModel"]
