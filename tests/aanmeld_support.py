"""Aanmeld-API test helpers: enrolments to send, partners' tokens, and small but well-formed files."""

from __future__ import annotations

import base64
import copy
import io
import struct
import zipfile
import zlib
from typing import Any

from tests.support import bearer

INSCHRIJFWIJZER = bearer("kbx-inschrijfwijzer")  # 101: switched on at 99XA, 16SK, 98YB
AANMELDLOKET = bearer("kbx-aanmeldloket")  # 102: 99XA, 98YB
SCHOOLPOORT = bearer("kbx-schoolpoort")  # 103: 99XA, 97ZC
INSTROOMPLEIN = bearer("kbx-instroomplein")  # 104: nowhere
WIMPEL_PARTNER = bearer("kbx-noordstar")  # no Aanmeld-API ID, no Aanmeld scope

ENROL = "/aanmeld/v1/aanmeldingen"


def school_path(brin: str = "99XA") -> str:
    return f"/sandbox/aanmeld/scholen/{brin}"


def enrolment(**changes: Any) -> dict[str, Any]:
    """A complete, valid enrolment for a new pupil at 99XA; keyword arguments replace top-level fields,
    `leerling__x=...` replaces one pupil field (None removes it)."""
    body: dict[str, Any] = {
        "brin": "99XA",
        "codeExternePartij": "IW-2026-000417",
        "gewensteLocatie": "Havo/Vwo",
        "gewensteOpleiding": "havo/vwo brugklas",
        "leerling": {
            "pgn": "944117715",
            "achternaam": "Dijkstra",
            "roepnaam": "Fenna",
            "voorletters": "F.J.",
            "geslacht": "vrouw",
            "geboortedatum": "2014-02-11",
            "adres": {
                "straat": "Voorstraat",
                "huisnummer": 21,
                "postcode": "8861 BK",
                "woonplaats": "Harlingen",
            },
        },
        "ouders": [
            {
                "achternaam": "Dijkstra",
                "voorletters": "H.",
                "geslacht": "man",
                "relatie": "vader",
                "adres": {"postcode": "8861 BK", "huisnummer": 21},
                "email": "hessel.dijkstra@example.nl",
            }
        ],
        "vooropleiding": {"brin": "97ZC", "naam": "OBS De Kwikstaart", "advies": "havo/vwo"},
        "extraGegevens": {"voorkeurKlasgenoot": "Sanne de Vries"},
    }
    for key, value in changes.items():
        target, name = (
            (body["leerling"], key[len("leerling__") :]) if key.startswith("leerling__") else (body, key)
        )
        if value is None:
            target.pop(name, None)
        else:
            target[name] = copy.deepcopy(value)
    return body


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def document(data: bytes, type_: str = "application/pdf", name: str = "rapport.pdf") -> dict[str, str]:
    return {"bestandsnaam": name, "type": type_, "inhoud": b64(data)}


# Small files with the structure the content checks look for.

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TRUNCATED_PDF = PDF[:30]


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32 + b"\xff\xd9"
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
WEBP = b"RIFF" + struct.pack("<I", 4 + 10) + b"WEBP" + b"VP8L" + b"\x00" * 6


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx() -> bytes:
    """A zip, but a spreadsheet: not a Word document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def ole2(stream: str = "WordDocument") -> bytes:
    """An OLE2 compound file header and a directory sector naming `stream`."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    header = header.ljust(512, b"\x00")
    directory = stream.encode("utf-16-le").ljust(512, b"\x00")
    return header + directory + b"\x00" * 512


DOC = ole2()
XLS = ole2("Workbook")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

__all__ = ["bearer"]
