"""Files embedded in the pack (PDF "attachments"): the full event log as CSV.

ReportLab has no public call for embedded files, so the few PDF objects the
standard asks for are written here: an ``/EmbeddedFile`` stream, a ``/Filespec``
that names it, and the catalogue's ``/Names /EmbeddedFiles`` tree.  Readers list
the file in their attachments pane; pypdf reads it back with ``reader.attachments``.
Nothing here knows what the file holds: the caller hands over bytes that have
already been filtered by the ceiling like everything else in the pack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFName,
    PDFStream,
    PDFString,
    PDFZCompress,
)


@dataclass(frozen=True)
class Attachment:
    name: str  # the file name shown by the reader (no folder)
    payload: bytes
    description: str = ""
    subtype: str = "text/csv"


def _subtype(mime: str) -> Any:
    # A MIME type is a PDF name with the slash written as #2F.
    return PDFName(mime.replace("/", "#2F"))


def embed(canvas: Any, attachments: list[Attachment]) -> None:
    """Register ``attachments`` in the document ``canvas`` is about to save."""
    if not attachments:
        return
    doc = canvas._doc
    names: list[Any] = []
    for item in sorted(attachments, key=lambda a: a.name):
        stream = PDFStream(
            PDFDictionary(
                {
                    "Type": PDFName("EmbeddedFile"),
                    "Subtype": _subtype(item.subtype),
                    "Params": PDFDictionary({"Size": len(item.payload)}),
                }
            ),
            item.payload,
            filters=[PDFZCompress],
        )
        spec = PDFDictionary(
            {
                "Type": PDFName("Filespec"),
                "F": PDFString(item.name),
                "UF": PDFString(item.name),
                "Desc": PDFString(item.description or item.name),
                "AFRelationship": PDFName("Supplement"),
                "EF": PDFDictionary({"F": doc.Reference(stream)}),
            }
        )
        names += [PDFString(item.name), doc.Reference(spec)]
    doc.Catalog.Names = PDFDictionary({"EmbeddedFiles": PDFDictionary({"Names": PDFArray(names)})})
