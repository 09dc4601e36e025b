"""Icons by freedesktop name, with a QStyle standard icon where the theme has none.

Nothing generated is shipped: the desktop theme's icon is used when there is one.
"""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

_FALLBACK_ICONS: dict[str, QStyle.StandardPixmap] = {
    "go-home": QStyle.StandardPixmap.SP_DirHomeIcon,
    "view-grid": QStyle.StandardPixmap.SP_FileDialogListView,
    "dialog-warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "view-calendar": QStyle.StandardPixmap.SP_FileDialogDetailedView,
    "task-due": QStyle.StandardPixmap.SP_DialogApplyButton,
    "emblem-shared": QStyle.StandardPixmap.SP_DriveNetIcon,
    "system-users": QStyle.StandardPixmap.SP_DirIcon,
    "view-statistics": QStyle.StandardPixmap.SP_FileDialogInfoView,
    "document-print": QStyle.StandardPixmap.SP_DialogSaveButton,
    "document-new": QStyle.StandardPixmap.SP_FileIcon,
    "document-edit": QStyle.StandardPixmap.SP_FileDialogContentsView,
    "edit-delete": QStyle.StandardPixmap.SP_TrashIcon,
    "edit-undo": QStyle.StandardPixmap.SP_ArrowBack,
    "edit-redo": QStyle.StandardPixmap.SP_ArrowForward,
    "edit-find": QStyle.StandardPixmap.SP_FileDialogContentsView,
    "document-open": QStyle.StandardPixmap.SP_DialogOpenButton,
    "document-import": QStyle.StandardPixmap.SP_ArrowDown,
    "document-export": QStyle.StandardPixmap.SP_ArrowUp,
    "view-refresh": QStyle.StandardPixmap.SP_BrowserReload,
    "view-history": QStyle.StandardPixmap.SP_FileDialogDetailedView,
    "application-exit": QStyle.StandardPixmap.SP_DialogCloseButton,
    "preferences-system": QStyle.StandardPixmap.SP_FileDialogDetailedView,
    "help-about": QStyle.StandardPixmap.SP_MessageBoxInformation,
}


def icon(name: str) -> QIcon:
    """The desktop theme's icon, else a QStyle standard icon."""
    fallback = _FALLBACK_ICONS.get(name)
    style = QApplication.style()
    default = style.standardIcon(fallback) if fallback is not None else QIcon()
    return QIcon.fromTheme(name, default)
