"""Enrolment documents: decoded from base64, limited in size, and recognised by their content.

A file is accepted only when its bytes are a structurally plausible file of the type the partner declares:
a PDF starts with `%PDF-` and ends with `%%EOF`; a .doc is an OLE2 compound file holding a `WordDocument`
stream; a .docx is a zip holding `word/document.xml`; images start with their signature and end with their
trailer. A renamed or truncated file is refused instead of landing on the school's card unreadable, and
so is a file whose name's extension is not one of the declared type's (`advies.pdf` holding a PNG): the
school opens the file by its name, so name, declared type and content must all agree.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from koppelbox.rules.aanmeld.errors import DocumentMismatch, DocumentTooLarge, field_error
from koppelbox.rules.errors import Invalid

# The largest document a school accepts unless its settings say otherwise (fixtures/aanmeld.yaml).
DEFAULT_MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

PDF = "application/pdf"
DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"

_OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_IEND = b"IEND\xae\x42\x60\x82"
# Trailers may be followed by a little padding (some scanners and mail gateways add CR/LF or NULs).
_TAIL = 1024


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-_TAIL:]


def _is_doc(data: bytes) -> bool:
    # Header sector (512 bytes) with the little-endian byte-order mark, and a directory entry naming the
    # Word stream: an Excel or PowerPoint file is OLE2 too, but not a Word document.
    return (
        len(data) >= 1024
        and data.startswith(_OLE2_MAGIC)
        and data[28:30] == b"\xfe\xff"
        and "WordDocument".encode("utf-16-le") in data
    )


def _is_docx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return False


def _is_png(data: bytes) -> bool:
    return data.startswith(_PNG_MAGIC) and data[12:16] == b"IHDR" and _PNG_IEND in data[-_TAIL:]


def _is_jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in data[-_TAIL:]


def _is_gif(data: bytes) -> bool:
    return data[:6] in (b"GIF87a", b"GIF89a") and len(data) > 13 and data.rstrip(b"\0\r\n").endswith(b";")


def _is_webp(data: bytes) -> bool:
    # RIFF's size field counts everything after its first 8 bytes: a truncated file fails it.
    return (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP" and int.from_bytes(data[4:8], "little") + 8 <= len(data)
    )


@dataclass(frozen=True)
class FileType:
    mime: str
    description: str
    check: Callable[[bytes], bool]
    extensions: tuple[str, ...]  # lower case, without the dot; the first is the usual one


ACCEPTED: dict[str, FileType] = {
    t.mime: t
    for t in (
        FileType(PDF, "a PDF document", _is_pdf, ("pdf",)),
        FileType(DOC, "a Word 97-2003 document (.doc)", _is_doc, ("doc",)),
        FileType(DOCX, "a Word document (.docx)", _is_docx, ("docx",)),
        FileType(PNG, "a PNG image", _is_png, ("png",)),
        FileType(JPEG, "a JPEG image", _is_jpeg, ("jpg", "jpeg", "jpe", "jfif")),
        FileType(GIF, "a GIF image", _is_gif, ("gif",)),
        FileType(WEBP, "a WebP image", _is_webp, ("webp",)),
    )
}


def recognise(data: bytes) -> str | None:
    """The accepted type these bytes are, judged by content alone; None if none."""
    for file_type in ACCEPTED.values():
        if file_type.check(data):
            return file_type.mime
    return None


def decode_base64(text: str, field: str) -> bytes:
    """Standard base64; line breaks (as MIME encoders add them) are allowed, anything else is not."""
    if text.lstrip().startswith("data:"):
        raise Invalid(
            f"`{field}` is a data URL; send only the base64 text after the comma.",
            field_error(field, "must be plain base64, not a data: URL"),
        )
    compact = "".join(text.split())
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(
            f"`{field}` is not valid base64.", field_error(field, "is not valid base64 (RFC 4648 §4)")
        ) from None
    if not data:
        raise Invalid(f"`{field}` is empty.", field_error(field, "must not be an empty file"))
    return data


def check_size(data: bytes, limit: int, field: str) -> None:
    if len(data) > limit:
        raise DocumentTooLarge(
            f"`{field}` is {len(data)} bytes; this sandbox accepts documents up to {limit} bytes.",
            field_error(field, f"is larger than the limit of {limit} bytes"),
        )


def check_content(data: bytes, declared: str, field: str) -> None:
    """The bytes must be a file of the declared type."""
    expected = ACCEPTED.get(declared)
    if expected is None:
        accepted = ", ".join(ACCEPTED)
        raise Invalid(
            f"`{field}`: type {declared} is not accepted.",
            field_error(field, f"must be one of: {accepted}"),
        )
    if expected.check(data):
        return
    actual = recognise(data)
    found = ACCEPTED[actual].description if actual else "not a file of any accepted type"
    raise DocumentMismatch(
        f"`{field}` is declared as {declared}, but its content is {found}.",
        field_error(field, f"content does not match the declared type {declared} (it is {found})"),
    )


def check_name(bestandsnaam: str, declared: str, field: str) -> None:
    """A file name with an extension must have one of the declared type's (case-insensitive); a name
    without any (no dot, as a browser's `blob`) claims no type and is accepted. Call after `check_content`
    (the declared type is then an accepted one)."""
    _, dot, extension = bestandsnaam.rpartition(".")
    expected = ACCEPTED[declared].extensions
    if not dot or extension.lower() in expected:
        return
    usual = ", ".join(f".{e}" for e in expected)
    raise DocumentMismatch(
        f"`{field}` {bestandsnaam!r} does not fit the declared type {declared} (its files end in {usual}).",
        field_error(field, f"extension does not match the declared type {declared} (expected {usual})"),
    )


@dataclass(frozen=True)
class Attachment:
    """A document that passed every check, ready to be stored byte-exact."""

    bestandsnaam: str
    type: str
    inhoud: bytes

    @property
    def grootte(self) -> int:
        return len(self.inhoud)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.inhoud).hexdigest()


def accept(
    bestandsnaam: str, declared: str, data: bytes, limit: int, field: str, type_field: str, name_field: str
) -> Attachment:
    """Size first (413), then content against the declared type (422), then the name's extension against
    the declared type (422)."""
    check_size(data, limit, field)
    check_content(data, declared, type_field if declared not in ACCEPTED else field)
    check_name(bestandsnaam, declared, name_field)
    return Attachment(bestandsnaam, declared, data)
