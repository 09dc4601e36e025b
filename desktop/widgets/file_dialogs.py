"""Every file dialog of the app is made here, and none of them reads a file's content.

A file dialog that lists the register's folder must not open ``register.db``, its
``-wal`` or its ``-shm``: on POSIX, closing any descriptor of a file drops every lock
this process holds on it, SQLite's included (see ``db.file_guard``).  Qt's default
icon provider asks ``QMimeDatabase`` for each file's type, and that reads the first
bytes of every file whose name does not settle the type (``*.db``, ``*-wal``,
``*-shm``); native dialogs (GTK, Cocoa) that run in this process sniff content too.

So the dialogs made here are always Qt's widget dialog, with ``NameOnlyIconProvider``:
icons and type names come from the file's name and ``stat`` only.
``tests/test_architecture.py`` fails if ``QFileDialog``, ``QFileIconProvider``,
``QFileSystemModel`` or ``QMimeDatabase`` is used anywhere else in the app.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileInfo, QMimeDatabase
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QApplication, QFileDialog, QStyle, QWidget

_STANDARD = QStyle.StandardPixmap
_ICON_FOR_TYPE = {
    QAbstractFileIconProvider.IconType.Computer: _STANDARD.SP_ComputerIcon,
    QAbstractFileIconProvider.IconType.Desktop: _STANDARD.SP_DesktopIcon,
    QAbstractFileIconProvider.IconType.Trashcan: _STANDARD.SP_TrashIcon,
    QAbstractFileIconProvider.IconType.Network: _STANDARD.SP_DriveNetIcon,
    QAbstractFileIconProvider.IconType.Drive: _STANDARD.SP_DriveHDIcon,
    QAbstractFileIconProvider.IconType.Folder: _STANDARD.SP_DirIcon,
    QAbstractFileIconProvider.IconType.File: _STANDARD.SP_FileIcon,
}


class NameOnlyIconProvider(QAbstractFileIconProvider):
    """Icons and type names from a file's name and ``stat``, never from its content.

    Qt may call it from its file-information thread, so the icons are made once,
    up front, on the GUI thread.
    """

    def __init__(self) -> None:
        super().__init__()
        style = QApplication.style()
        self._icons = {kind: style.standardIcon(pixmap) for kind, pixmap in _ICON_FOR_TYPE.items()}
        self._names = QMimeDatabase()

    def icon(self, what: object) -> QIcon:  # type: ignore[override]
        if isinstance(what, QFileInfo):
            kind = self.IconType.Folder if what.isDir() else self.IconType.File
            return self._icons[kind]
        return self._icons.get(what, self._icons[self.IconType.File])  # type: ignore[call-overload]

    def type(self, info: QFileInfo) -> str:
        if info.isDir():
            return "Folder"
        # MatchExtension: the glob patterns of the file's name only; the file is never opened.
        matches = self._names.mimeTypesForFileName(info.fileName())
        if matches:
            return matches[0].comment() or matches[0].name()
        suffix = info.suffix()
        return f"{suffix.upper()} file" if suffix else "File"


_PROVIDER: NameOnlyIconProvider | None = None


def icon_provider() -> NameOnlyIconProvider:
    """The one provider every dialog shares (Qt does not take ownership of it)."""
    global _PROVIDER
    if _PROVIDER is None:
        _PROVIDER = NameOnlyIconProvider()
    return _PROVIDER


def file_dialog(
    parent: QWidget | None,
    caption: str,
    start: str,
    filters: str,
    *,
    save: bool,
    confirm_overwrite: bool = True,
) -> QFileDialog:
    """A dialog at ``start`` (a folder, or a file name to suggest), not shown yet."""
    dialog = QFileDialog(parent, caption)
    # Set before any folder is listed: the widget dialog, and nothing that reads content.
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setIconProvider(icon_provider())
    dialog.setNameFilter(filters)
    if save:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, not confirm_overwrite)
    else:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    if start:
        target = Path(start).expanduser()
        if target.is_dir():
            dialog.setDirectory(str(target))
        else:
            dialog.setDirectory(str(target.parent))
            dialog.selectFile(target.name)
    return dialog


def _run(dialog: QFileDialog) -> tuple[str, str]:
    try:
        if dialog.exec() != QFileDialog.DialogCode.Accepted:
            return "", ""
        files = dialog.selectedFiles()
        return (files[0] if files else ""), dialog.selectedNameFilter()
    finally:
        dialog.deleteLater()


def get_save_file_name(
    parent: QWidget | None,
    caption: str = "",
    start: str = "",
    filters: str = "",
    *,
    confirm_overwrite: bool = True,
) -> tuple[str, str]:
    """Like ``QFileDialog.getSaveFileName``: ``(path, filter)``, or ``("", "")`` if cancelled."""
    return _run(
        file_dialog(parent, caption, start, filters, save=True, confirm_overwrite=confirm_overwrite)
    )


def get_open_file_name(
    parent: QWidget | None, caption: str = "", start: str = "", filters: str = ""
) -> tuple[str, str]:
    """Like ``QFileDialog.getOpenFileName``: ``(path, filter)``, or ``("", "")`` if cancelled."""
    return _run(file_dialog(parent, caption, start, filters, save=False))
