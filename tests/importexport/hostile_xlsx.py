"""Hostile XLSX files built byte by byte for the bounded-reading tests: a zip written
by hand so that a member can unpack to gigabytes without the test inflating them."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Events" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


class _Member:
    """One deflated member: (compressed bytes, crc32, unpacked size)."""

    def __init__(self, name: str, data: bytes = b""):
        self.name = name
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.packed = packer.compress(data) + packer.flush()
        self.crc = zlib.crc32(data)
        self.size = len(data)


def _filler(name: str, head: bytes, block: bytes, repeats: int, tail: bytes) -> _Member:
    """``head + block * repeats + tail`` deflated without building it: after a full
    flush the compressor starts afresh, so every block compresses to the same bytes."""
    member = _Member(name)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    one = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.compress(tail) + packer.flush()
    member.packed = first + one * repeats + last
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    member.crc = zlib.crc32(tail, crc)
    member.size = len(head) + len(block) * repeats + len(tail)
    return member


def _write_zip(path: Path, members: list[_Member]) -> Path:
    out = bytearray()
    central = bytearray()
    for m in members:
        name = m.name.encode()
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, m.crc, len(m.packed), m.size, len(name), 0
        )
        out += name + m.packed
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50, 20, 20, 0, 8, 0, 0, m.crc, len(m.packed), m.size,
            len(name), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += name
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0
    )
    path.write_bytes(bytes(out + central + end))
    return path


def _package(path: Path, sheet: _Member) -> Path:
    return _write_zip(
        path,
        [
            _Member("[Content_Types].xml", _CONTENT_TYPES.encode()),
            _Member("_rels/.rels", _RELS.encode()),
            _Member("xl/workbook.xml", _WORKBOOK.encode()),
            _Member("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.encode()),
            sheet,
        ],
    )


def header_xml(header: list[str]) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in header)
    return f'<row r="1">{cells}</row>'


def sheet_xlsx(path: Path, rows_xml: str) -> Path:
    """A workbook whose first sheet's ``<sheetData>`` holds ``rows_xml``."""
    data = f"{SHEET_HEAD}<sheetData>{rows_xml}</sheetData></worksheet>".encode()
    return _package(path, _Member("xl/worksheets/sheet1.xml", data))


def bomb_xlsx(path: Path, packed_bytes: int = 4 * 1024 * 1024) -> Path:
    """A decompression bomb of about ``packed_bytes``: a sheet whose XML is a header
    row followed by gigabytes of blank space (~1,000 times its packed size; kept
    under 4 GiB unpacked, the plain zip format's limit)."""
    block = b" " * (1024 * 1024)
    one = len(_filler("x", b"", block, 1, b"").packed)
    repeats = min(packed_bytes // one, (4 * 1024**3 - 1) // len(block) - 1)
    head = f"{SHEET_HEAD}<sheetData>{header_xml(['title', 'occurred_on'])}".encode()
    sheet = _filler("xl/worksheets/sheet1.xml", head, block, repeats, b"</sheetData></worksheet>")
    return _package(path, sheet)


def empty_rows_xlsx(path: Path, header: list[str], rows: int) -> Path:
    """A header, then ``rows`` formatted but empty rows (what "format the whole
    column" leaves behind); the sheet also claims the whole grid as its size."""
    head = (f'{SHEET_HEAD}<dimension ref="A1:XFD1048576"/><sheetData>{header_xml(header)}').encode()
    body = "".join(
        f'<row r="{n}" s="1" customFormat="1" ht="15" customHeight="1"/>'
        for n in range(2, rows + 2)
    ).encode()
    return _package(
        path,
        _Member("xl/worksheets/sheet1.xml", head + body + b"</sheetData></worksheet>"),
    )
