"""Enrolment documents (koppelbox.rules.aanmeld.documents) without HTTP: the edges of each file-type
check, and the whole refusal a partner gets (status, code, message, field) for each way a document is
wrong. tests/test_aanmeld_rules.py covers the common files of each type."""

from __future__ import annotations

import struct

import pytest

from koppelbox.rules.aanmeld import documents
from koppelbox.rules.aanmeld.documents import (
    ACCEPTED,
    Attachment,
    accept,
    check_content,
    check_name,
    check_size,
    decode_base64,
    recognise,
)
from koppelbox.rules.aanmeld.errors import DocumentMismatch, DocumentTooLarge
from koppelbox.rules.errors import DomainError, FieldError, Invalid
from tests import aanmeld_support as s

NONE_FITS = "not a file of any accepted type"


def refused(call: object, *args: object) -> DomainError:
    assert callable(call)
    with pytest.raises(DomainError) as error:
        call(*args)
    return error.value


# --- the edges of the file-type checks ---


def test_a_doc_needs_a_whole_first_sector_pair_of_1024_bytes() -> None:
    head = s.DOC[:1024]
    assert recognise(head) == documents.DOC
    assert recognise(head[:1023]) is None


@pytest.mark.parametrize("data", [s.GIF, b"GIF87a" + s.GIF[6:], s.GIF + b"\r\n\0\0"])
def test_gif_87a_89a_and_padding_after_the_trailer_are_gifs(data: bytes) -> None:
    assert recognise(data) == documents.GIF


def test_the_smallest_gif_is_14_bytes() -> None:
    assert recognise(b"GIF89a" + b"\0" * 7 + b";") == documents.GIF
    assert recognise(b"GIF89a" + b"\0" * 6 + b";") is None


@pytest.mark.parametrize(
    "data",
    [
        s.GIF[:-1],  # no trailer
        s.GIF + b"X",  # something other than padding after the trailer
        b"gif89a" + s.GIF[6:],
        b"GIF87A" + s.GIF[6:],
        b"PNG89a" + s.GIF[6:],  # ends like a GIF, but is not one
    ],
)
def test_what_is_not_a_gif(data: bytes) -> None:
    assert recognise(data) is None


def test_a_truncated_webp_is_refused_by_its_riff_size() -> None:
    assert recognise(s.WEBP) == documents.WEBP
    assert recognise(s.WEBP[:-1]) is None
    assert recognise(s.WEBP[:-6]) is None


def test_a_riff_file_that_is_not_webp_is_refused() -> None:
    wave = b"RIFF" + struct.pack("<I", 14) + b"WAVE" + b"fmt " + b"\0" * 6
    assert recognise(wave) is None


# --- refusals, whole ---


def test_too_large_is_413_naming_the_field_and_the_limit() -> None:
    error = refused(check_size, b"x" * 11, 10, "documenten[1].inhoud")
    assert isinstance(error, DocumentTooLarge)
    assert (error.status, error.code) == (413, "document_too_large")
    assert (
        error.message == "`documenten[1].inhoud` is 11 bytes; this sandbox accepts documents up to 10 bytes."
    )
    assert error.errors == [FieldError("documenten[1].inhoud", "is larger than the limit of 10 bytes")]


def test_an_unaccepted_type_is_400_listing_the_accepted_ones() -> None:
    error = refused(check_content, s.PDF, "text/plain", "type")
    assert type(error) is Invalid
    assert (error.status, error.code) == (400, "invalid_request")
    assert error.message == "`type`: type text/plain is not accepted."
    assert error.errors == [FieldError("type", "must be one of: " + ", ".join(ACCEPTED))]
    assert "application/pdf, application/msword, " in error.errors[0].message


def test_content_of_no_accepted_type_is_422_saying_so() -> None:
    error = refused(check_content, b"hello", documents.PDF, "inhoud")
    assert isinstance(error, DocumentMismatch)
    assert (error.status, error.code) == (422, "document_type_mismatch")
    assert error.message == f"`inhoud` is declared as application/pdf, but its content is {NONE_FITS}."
    assert error.errors == [
        FieldError("inhoud", f"content does not match the declared type application/pdf (it is {NONE_FITS})")
    ]


def test_a_name_with_another_extension_is_422_with_the_usual_ones() -> None:
    error = refused(check_name, "foto.png", documents.JPEG, "bestandsnaam")
    assert isinstance(error, DocumentMismatch)
    assert (error.status, error.code) == (422, "document_type_mismatch")
    assert error.message == (
        "`bestandsnaam` 'foto.png' does not fit the declared type image/jpeg (its files end in "
        ".jpg, .jpeg, .jpe, .jfif)."
    )
    assert error.errors == [
        FieldError(
            "bestandsnaam",
            "extension does not match the declared type image/jpeg (expected .jpg, .jpeg, .jpe, .jfif)",
        )
    ]


def test_only_the_last_extension_counts() -> None:
    check_name("advies.v2.pdf", documents.PDF, "bestandsnaam")
    with pytest.raises(DocumentMismatch):
        check_name("advies.pdf.exe", documents.PDF, "bestandsnaam")


# --- base64 ---


@pytest.mark.parametrize("text", ["data:application/pdf;base64,JVBERi0=", "  \ndata:image/png;base64,iVBO"])
def test_a_data_url_is_refused_as_such(text: str) -> None:
    error = refused(decode_base64, text, "documenten[0].inhoud")
    assert type(error) is Invalid
    assert (error.status, error.code) == (400, "invalid_request")
    assert error.message == "`documenten[0].inhoud` is a data URL; send only the base64 text after the comma."
    assert error.errors == [FieldError("documenten[0].inhoud", "must be plain base64, not a data: URL")]


@pytest.mark.parametrize("text", ["QUJD*", "QUJD\x00", "QU JD!"])
def test_characters_outside_the_alphabet_are_refused_not_skipped(text: str) -> None:
    error = refused(decode_base64, text, "inhoud")
    assert type(error) is Invalid
    assert error.message == "`inhoud` is not valid base64."
    assert error.errors == [FieldError("inhoud", "is not valid base64 (RFC 4648 §4)")]


@pytest.mark.parametrize("text", ["", "  \r\n "])
def test_an_empty_file_is_refused(text: str) -> None:
    error = refused(decode_base64, text, "inhoud")
    assert type(error) is Invalid
    assert (error.status, error.code) == (400, "invalid_request")
    assert error.message == "`inhoud` is empty."
    assert error.errors == [FieldError("inhoud", "must not be an empty file")]


def test_line_broken_base64_is_decoded() -> None:
    assert decode_base64("QU\r\nJD\n", "inhoud") == b"ABC"


# --- accept: each refusal names the field it is about ---


def accepting(name: str, declared: str, data: bytes, limit: int = 10_000) -> Attachment:
    return accept(name, declared, data, limit, "inhoud", "type", "bestandsnaam")


def test_accept_keeps_name_type_and_bytes() -> None:
    assert accepting("advies.pdf", documents.PDF, s.PDF) == Attachment("advies.pdf", documents.PDF, s.PDF)


def test_accept_names_the_content_field_for_size_and_mismatch() -> None:
    too_large = refused(accepting, "advies.pdf", documents.PDF, s.PDF, 10)
    assert [e.field for e in too_large.errors] == ["inhoud"]
    mismatch = refused(accepting, "advies.pdf", documents.PDF, s.GIF)
    assert [e.field for e in mismatch.errors] == ["inhoud"]


def test_accept_names_the_type_field_for_an_unaccepted_type() -> None:
    error = refused(accepting, "advies.txt", "text/plain", b"hello")
    assert [e.field for e in error.errors] == ["type"]


def test_accept_names_the_name_field_for_a_wrong_extension() -> None:
    error = refused(accepting, "advies.doc", documents.PDF, s.PDF)
    assert [e.field for e in error.errors] == ["bestandsnaam"]
