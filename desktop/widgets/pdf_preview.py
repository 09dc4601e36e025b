"""A PDF preview inside the app (QtPdf): pages, zoom, Print, Save as, Open in the system viewer.

``PdfPreview`` is the widget (a toolbar over a ``QPdfView``); ``PdfPreviewWindow``
is a top-level window holding one, opened by ``open_pdf_preview``.

Printing renders each page with ``QPdfDocument.render`` at the printer's
resolution (capped, so a 1200 dpi printer does not ask for half a gigabyte per
page) and paints it onto the ``QPrinter``, scaled to fit the printable area so the
classification banners at the top and bottom of every page are never cut off.
``print_pdf`` does that work and is called by tests with a PDF-file printer.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QEventLoop,
    QMargins,
    QObject,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
    QPainter,
)
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QProgressDialog,
    QSpinBox,
    QStackedWidget,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import file_dialogs

MAX_PRINT_DPI = 300  # pages are raster images on the printer; more than this only costs memory
ZOOM_STEP = 1.25
ZOOM_MIN, ZOOM_MAX = 0.1, 8.0


def open_url(url: QUrl) -> bool:
    """Hand a URL to the desktop (one place, so tests can replace it)."""
    return bool(QDesktopServices.openUrl(url))


def open_in_system_viewer(path: str | os.PathLike[str]) -> bool:
    return open_url(QUrl.fromLocalFile(str(path)))


def reveal_in_folder(path: str | os.PathLike[str]) -> bool:
    """Open the folder that holds ``path`` in the file manager."""
    return open_url(QUrl.fromLocalFile(str(Path(path).parent)))


# --------------------------------------------------------------------------- printing


class PrintCancelled(OSError):
    """The user stopped printing part way."""


def _on_white(image: QImage) -> QImage:
    """The page on white paper, without an alpha channel (pdfium leaves the page
    transparent; an opaque image also spares the printer a soft mask per page)."""
    if not image.hasAlphaChannel():
        return image
    paper = QImage(image.size(), QImage.Format.Format_RGB32)
    paper.fill(Qt.GlobalColor.white)
    painter = QPainter(paper)
    painter.drawImage(0, 0, image)
    painter.end()
    return paper


def _load(path: str | os.PathLike[str]) -> QPdfDocument:
    document = QPdfDocument()
    error = document.load(str(path))
    if error != QPdfDocument.Error.None_ or document.status() != QPdfDocument.Status.Ready:
        raise OSError(f"{Path(path).name} could not be read as a PDF ({error.name})")
    return document


def print_pdf(
    document_or_path: QPdfDocument | str | os.PathLike[str],
    printer: QPrinter,
    from_page: int = 0,
    to_page: int = 0,
    *,
    max_dpi: int = MAX_PRINT_DPI,
    progress: Callable[[int, int], bool] | None = None,
) -> int:
    """Print pages ``from_page``..``to_page`` (1-based, inclusive; 0 = first/last) of a PDF.

    Each page is rendered at the printer's resolution (at most ``max_dpi``) and
    drawn centred in the printable area, keeping its proportions.  Returns the
    number of pages sent; raises ``OSError`` if the PDF or the printer fails.
    ``progress(done, total)`` is called after each page; returning False stops
    the job (the printer is aborted, ``PrintCancelled`` raised).
    """
    document = (
        document_or_path if isinstance(document_or_path, QPdfDocument) else _load(document_or_path)
    )
    count = document.pageCount()
    if count <= 0:
        raise OSError("the document has no pages to print")
    first = max(1, from_page or 1)
    last = min(count, to_page or count)
    if first > last:
        raise ValueError(f"no pages between {from_page} and {to_page} (the document has {count})")

    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be started")
    try:
        area = printer.pageRect(QPrinter.Unit.DevicePixel)
        dpi = printer.resolution()
        for number in range(first, last + 1):
            if number > first and not printer.newPage():
                raise OSError("the printer refused a new page")
            index = number - 1
            points = document.pagePointSize(index)
            if points.width() <= 0 or points.height() <= 0:
                continue
            scale = min(area.width() / points.width(), area.height() / points.height())
            target = QRectF(0, 0, points.width() * scale, points.height() * scale)
            target.moveCenter(QPointF(area.width() / 2, area.height() / 2))
            # Render at what the printer resolves (target size), never above max_dpi.
            cap = min(1.0, max_dpi / dpi) if dpi > 0 else 1.0
            pixels = QSize(
                max(1, round(target.width() * cap)), max(1, round(target.height() * cap))
            )
            image = document.render(index, pixels)
            if image.isNull():
                raise OSError(f"page {number} could not be rendered")
            painter.drawImage(target, _on_white(image))
            if progress is not None and not progress(number - first + 1, last - first + 1):
                printer.abort()
                raise PrintCancelled(f"printing stopped after {number - first + 1} pages")
    finally:
        painter.end()
    return last - first + 1


# --------------------------------------------------------------------------- the widget


class PdfPreview(QWidget):
    """A toolbar (pages, zoom, Print, Save as, Open) over a multi-page ``QPdfView``."""

    saved_as = Signal(str)  # the path of a copy the user saved
    printed = Signal(int)  # pages sent to the printer

    def __init__(self, parent: QWidget | None = None, *, save_folder: str = ""):
        super().__init__(parent)
        self.setObjectName("pdf_preview")
        self.path: Path | None = None
        self.save_folder = save_folder
        self.document = QPdfDocument(self)

        self.view = QPdfView(self)
        self.view.setObjectName("pdf_view")
        self.view.setAccessibleName("Pack preview")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.view.setDocumentMargins(QMargins(12, 12, 12, 12))
        self.navigator = self.view.pageNavigator()

        self.message = QLabel(self)
        self.message.setObjectName("preview_message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setMargin(24)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.view)
        self.pages.addWidget(self.message)

        self.toolbar = QToolBar("Preview", self)
        self.toolbar.setObjectName("preview_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._build_toolbar()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.pages, 1)

        self.view.viewport().installEventFilter(self)
        self.navigator.currentPageChanged.connect(self._page_changed)
        # Bound methods (not lambdas): Qt drops them with this widget, before its children go.
        self.view.zoomFactorChanged.connect(self._update_zoom_label)
        self.view.zoomModeChanged.connect(self._update_zoom_label)
        self.document.statusChanged.connect(self._update_controls)
        self._update_controls()

    # ------------------------------------------------------------------ toolbar

    def _act(
        self,
        text: str,
        slot: object,
        *,
        icon: QStyle.StandardPixmap | None = None,
        keys: QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if isinstance(keys, QKeySequence.StandardKey):
            action.setShortcuts(keys)
        elif keys:
            action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        plain = text.replace("&", "").rstrip(".")
        action.setToolTip(f"{tip or plain} ({shortcut})" if shortcut else (tip or plain))
        action.triggered.connect(lambda _checked=False: slot())  # type: ignore[operator]
        self.addAction(action)
        return action

    def _build_toolbar(self) -> None:
        K = QKeySequence.StandardKey
        SP = QStyle.StandardPixmap
        self.prev_action = self._act(
            "Previous",
            self.previous_page,
            icon=SP.SP_ArrowUp,
            keys="Ctrl+PgUp",
            tip="Previous page",
        )
        self.next_action = self._act(
            "Next", self.next_page, icon=SP.SP_ArrowDown, keys="Ctrl+PgDown", tip="Next page"
        )
        self.page_spin = QSpinBox(self)
        self.page_spin.setObjectName("page_spin")
        self.page_spin.setAccessibleName("Page number")
        self.page_spin.setKeyboardTracking(False)
        self.page_spin.setRange(1, 1)
        self.page_spin.valueChanged.connect(self._spin_changed)
        self.page_label = QLabel(self)
        self.page_label.setObjectName("page_label")
        self.page_label.setTextFormat(Qt.TextFormat.PlainText)

        self.fit_width_action = self._act("Fit width", self.fit_width, keys="Ctrl+2")
        self.fit_page_action = self._act("Fit page", self.fit_page, keys="Ctrl+1")
        for action in (self.fit_width_action, self.fit_page_action):
            action.setCheckable(True)
        self.zoom_out_action = self._act("\u2212", self.zoom_out, keys=K.ZoomOut, tip="Zoom out")
        self.zoom_in_action = self._act("+", self.zoom_in, keys=K.ZoomIn, tip="Zoom in")
        self.zoom_label = QLabel(self)
        self.zoom_label.setObjectName("zoom_label")
        self.zoom_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("Fit width 000%"))
        self.print_action = self._act("&Print...", self.print_document, keys=K.Print)
        self.print_action.setIcon(QIcon.fromTheme("document-print"))
        self.save_as_action = self._act(
            "Save &as...", self.save_as, keys=K.SaveAs, tip="Save a copy of the pack"
        )
        self.save_as_action.setIcon(QIcon.fromTheme("document-save-as"))
        self.open_external_action = self._act(
            "Open in system viewer",
            self.open_external,
            tip="Open the pack in the system's PDF viewer",
        )
        self.open_external_action.setIcon(QIcon.fromTheme("document-open"))

        tb = self.toolbar
        tb.addAction(self.prev_action)
        tb.addAction(self.next_action)
        tb.addWidget(QLabel(" Page ", self))
        tb.addWidget(self.page_spin)
        tb.addWidget(self.page_label)
        tb.addSeparator()
        tb.addAction(self.fit_width_action)
        tb.addAction(self.fit_page_action)
        tb.addAction(self.zoom_out_action)
        tb.addAction(self.zoom_in_action)
        tb.addWidget(self.zoom_label)
        tb.addSeparator()
        tb.addAction(self.print_action)
        tb.addAction(self.save_as_action)
        tb.addAction(self.open_external_action)
        for action in tb.actions():
            widget = tb.widgetForAction(action)
            if widget is not None and action.text():
                widget.setAccessibleName(action.toolTip().split(" (")[0])
        for action in (self.prev_action, self.next_action):
            button = tb.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)

    # ------------------------------------------------------------------ loading

    def load(self, path: str | os.PathLike[str]) -> bool:
        """Show the PDF at ``path``; False (and a message in place of the pages) if it cannot."""
        self.path = Path(path)
        self.document.close()
        if not self.path.is_file():
            self.show_message(f"The file {self.path} cannot be found.")
            return False
        error = self.document.load(str(self.path))
        if error != QPdfDocument.Error.None_ or self.document.status() != QPdfDocument.Status.Ready:
            self.show_message(f"{self.path.name} could not be opened as a PDF ({error.name}).")
            return False
        self.pages.setCurrentWidget(self.view)
        self.page_spin.blockSignals(True)
        self.page_spin.setRange(1, max(1, self.document.pageCount()))
        self.page_spin.setValue(1)
        self.page_spin.blockSignals(False)
        self.navigator.jump(0, QPointF(), self.navigator.currentZoom())
        self._update_controls()
        return True

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.pages.setCurrentWidget(self.message)
        self._update_controls()

    @property
    def loaded(self) -> bool:
        return (
            self.document.status() == QPdfDocument.Status.Ready
            and self.pages.currentWidget() is self.view
        )

    def page_count(self) -> int:
        return self.document.pageCount() if self.loaded else 0

    def current_page(self) -> int:
        """0-based index of the page shown."""
        return self.navigator.currentPage()

    # ------------------------------------------------------------------ pages

    def go_to_page(self, index: int) -> None:
        count = self.page_count()
        if count <= 0:
            return
        index = max(0, min(count - 1, index))
        self.navigator.jump(index, QPointF(), self.navigator.currentZoom())
        self._page_changed(index)

    def _spin_changed(self, number: int) -> None:
        self.go_to_page(number - 1)

    def previous_page(self) -> None:
        self.go_to_page(self.current_page() - 1)

    def next_page(self) -> None:
        self.go_to_page(self.current_page() + 1)

    def _page_changed(self, index: int) -> None:
        self.page_spin.blockSignals(True)
        self.page_spin.setValue(index + 1)
        self.page_spin.blockSignals(False)
        self._update_controls()

    # ------------------------------------------------------------------ zoom

    def _keeping_page(self, change: Callable[[], None]) -> None:
        """Re-zoom and stay on the page shown (the view would keep the pixel offset instead)."""
        page = self.current_page()
        change()
        if self.page_count() > 0:
            self._return_to(page)
            # Once more after the view has laid the pages out at the new size.
            QTimer.singleShot(0, self, lambda: self._return_to(page))

    def _return_to(self, page: int) -> None:
        if 0 <= page < self.page_count():
            # The view scrolls only when the navigator's page *changes*: step to a
            # neighbour and back, and it scrolls to the page at its new size.
            zoom = self.navigator.currentZoom()
            neighbour = page + 1 if page + 1 < self.page_count() else page - 1
            if neighbour >= 0:
                self.navigator.jump(neighbour, QPointF(), zoom)
            self.navigator.jump(page, QPointF(), zoom)
            self._page_changed(page)

    def fit_width(self) -> None:
        self._keeping_page(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))

    def fit_page(self) -> None:
        self._keeping_page(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitInView))

    def effective_zoom(self) -> float:
        """The scale the pages are drawn at (1.0 = actual size), in any zoom mode."""
        mode = self.view.zoomMode()
        if mode == QPdfView.ZoomMode.Custom or not self.loaded:
            return float(self.view.zoomFactor())
        points = self.document.pagePointSize(max(0, self.current_page()))
        if points.width() <= 0 or points.height() <= 0:
            return float(self.view.zoomFactor())
        per_point = self.view.logicalDpiX() / 72.0
        margins = self.view.documentMargins()
        viewport = self.view.viewport().size()
        width = (viewport.width() - margins.left() - margins.right()) / (points.width() * per_point)
        if mode == QPdfView.ZoomMode.FitToWidth:
            return max(ZOOM_MIN, width)
        height = (viewport.height() - margins.top() - margins.bottom()) / (
            points.height() * per_point
        )
        return max(ZOOM_MIN, min(width, height))

    def set_zoom(self, factor: float) -> None:
        def change() -> None:
            self.view.setZoomMode(QPdfView.ZoomMode.Custom)
            self.view.setZoomFactor(max(ZOOM_MIN, min(ZOOM_MAX, factor)))

        self._keeping_page(change)

    def zoom_in(self) -> None:
        self.set_zoom(self.effective_zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.effective_zoom() / ZOOM_STEP)

    def _update_zoom_label(self, *_args: object) -> None:
        mode = self.view.zoomMode()
        self.fit_width_action.setChecked(mode == QPdfView.ZoomMode.FitToWidth)
        self.fit_page_action.setChecked(mode == QPdfView.ZoomMode.FitInView)
        percent = f"{round(self.effective_zoom() * 100)}%" if self.loaded else ""
        self.zoom_label.setText(f"  {percent}")
        factor = self.effective_zoom()
        self.zoom_in_action.setEnabled(self.loaded and factor < ZOOM_MAX)
        self.zoom_out_action.setEnabled(self.loaded and factor > ZOOM_MIN)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.view.viewport():
            self._update_zoom_label()  # a fitted zoom changes with the viewport
        return super().eventFilter(watched, event)

    def _update_controls(self, *_args: object) -> None:
        loaded = self.loaded
        count = self.page_count()
        page = self.current_page()
        self.prev_action.setEnabled(loaded and page > 0)
        self.next_action.setEnabled(loaded and page < count - 1)
        self.page_spin.setEnabled(loaded)
        self.page_label.setText(f" of {count} " if loaded else " of \u2013 ")
        for action in (
            self.fit_width_action,
            self.fit_page_action,
            self.print_action,
            self.save_as_action,
        ):
            action.setEnabled(loaded)
        self.open_external_action.setEnabled(self.path is not None and self.path.is_file())
        self._update_zoom_label()

    def page_text(self) -> str:
        """ "Page N of M", as the toolbar shows it."""
        return f"Page {self.page_spin.value()} of {self.page_count()}"

    # ------------------------------------------------------------------ file actions

    def print_document(self) -> int:
        """Ask the system print dialog, then print the range chosen.  Pages printed (0: none)."""
        if not self.loaded:
            return 0
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.path.stem if self.path else "Briefing pack")
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the briefing pack")
        dialog.setMinMax(1, self.page_count())
        dialog.setFromTo(1, self.page_count())
        options = QAbstractPrintDialog.PrintDialogOption
        dialog.setOptions(
            options.PrintPageRange | options.PrintCurrentPage | options.PrintShowPageSize
        )
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return 0
        return self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        """Print to a configured printer, honouring its print range (all, pages, current page)."""
        first, last = 0, 0
        chosen = printer.printRange()
        if chosen == QPrinter.PrintRange.PageRange:
            first, last = printer.fromPage(), printer.toPage()
        elif chosen == QPrinter.PrintRange.CurrentPage:
            first = last = self.current_page() + 1
        total = (last or self.page_count()) - (first or 1) + 1
        dialog = QProgressDialog("Sending the pages to the printer...", "Stop", 0, total, self)
        dialog.setWindowTitle("Print")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)

        # A local loop's processEvents: PySide6 6.12's static QCoreApplication.processEvents
        # drops a reference to None on every call (Python 3.11), which ends in a crash.
        events = QEventLoop(self)

        def progress(done: int, count: int) -> bool:
            dialog.setValue(done)
            dialog.setLabelText(f"Sent page {done} of {count} to the printer...")
            events.processEvents()
            return not dialog.wasCanceled()

        try:
            pages = print_pdf(self.document, printer, first, last, progress=progress)
        except PrintCancelled:
            return 0
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Print", f"The pack could not be printed: {exc}")
            return 0
        finally:
            dialog.close()
            dialog.deleteLater()
        self.printed.emit(pages)
        return pages

    def save_as(self, target: str | None = None) -> str | None:
        """Copy the PDF to a file the user chooses (or ``target``).  The path, or None."""
        if self.path is None or not self.path.is_file():
            return None
        if target is None:
            folder = self.save_folder or str(self.path.parent)
            target, _ = file_dialogs.get_save_file_name(
                self, "Save the pack as", str(Path(folder) / self.path.name), "PDF files (*.pdf)"
            )
            if not target:
                return None
        if not target.lower().endswith(".pdf"):
            target += ".pdf"
        try:
            if Path(target).resolve() != self.path.resolve():
                from desktop.briefing.builder import write_atomically

                # A copy of a pack is as private as the pack: owner only.
                write_atomically(Path(target), self.path.read_bytes())
        except OSError as exc:
            QMessageBox.warning(
                self, "Save as", f"The pack could not be saved: {exc.strerror or exc}"
            )
            return None
        self.save_folder = str(Path(target).parent)
        self.saved_as.emit(target)
        return target

    def open_external(self) -> bool:
        if self.path is None or not self.path.is_file():
            return False
        return open_in_system_viewer(self.path)


class PdfPreviewWindow(QWidget):
    """A window of its own for one pack's preview."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        parent: QWidget | None = None,
        *,
        title: str = "",
        save_folder: str = "",
    ):
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("pdf_preview_window")
        self.preview = PdfPreview(self, save_folder=save_folder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preview)
        self.preview.load(path)
        name = Path(path).name
        self.setWindowTitle(f"{title} \u2014 {name}" if title else name)
        close = QAction("Close", self)
        close.setShortcuts(QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        self.addAction(close)
        screen = (
            parent.screen() if parent is not None else None
        ) or QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else None
        wanted = max(900, self.preview.toolbar.sizeHint().width())
        if available is not None:
            self.resize(min(wanted, available.width()), int(available.height() * 0.9))
        else:
            self.resize(wanted, 900)


def open_pdf_preview(
    path: str | os.PathLike[str],
    parent: QWidget | None = None,
    *,
    title: str = "",
    save_folder: str = "",
) -> PdfPreviewWindow:
    """Open a preview window for ``path`` (kept alive by its parent; deleted when closed)."""
    window = PdfPreviewWindow(path, parent, title=title, save_folder=save_folder)
    window.show()
    window.raise_()
    window.activateWindow()
    return window
