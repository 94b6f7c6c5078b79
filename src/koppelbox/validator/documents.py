"""Files carried inside JSON: base64 text (`format: byte`), optionally with a sibling declaring its type.

Any object schema with a `format: byte` property gets these checks, in any API: the text must decode as
base64, the file must fit the size limit, and when a sibling (`type`, `mimeType`, `contentType`,
`mediaType`) declares the file type, the bytes must be a file of that type. The checks are the Aanmeld
rules' own (`koppelbox.rules.aanmeld.documents`), so the sandbox refuses the same files.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from koppelbox.rules.aanmeld import documents
from koppelbox.rules.aanmeld.documents import DEFAULT_MAX_DOCUMENT_BYTES
from koppelbox.rules.aanmeld.errors import DocumentMismatch, DocumentTooLarge
from koppelbox.rules.errors import DomainError
from koppelbox.validator.findings import rule
from koppelbox.validator.semantic import Context, ObjectCheck

DOC_BASE64 = rule(
    "KBX-DOC-BASE64", "A file is not plain base64 text (or is empty, or is a data: URL).", "documents"
)
DOC_SIZE = rule("KBX-DOC-SIZE", "A file is larger than the limit.", "documents")
DOC_TYPE = rule(
    "KBX-DOC-TYPE", "A file's content is not of the type declared beside it (a renamed file).", "documents"
)

_TYPE_FIELDS = ("type", "mimeType", "contentType", "mediaType")


def document_checks(properties: Mapping[str, Mapping[str, Any]]) -> Iterator[ObjectCheck]:
    type_key = next((name for name in _TYPE_FIELDS if name in properties), None)
    for name, schema in properties.items():
        if schema.get("format") != "byte":
            continue
        limit = int(schema.get("x-koppelbox-max-bytes", DEFAULT_MAX_DOCUMENT_BYTES))

        def check(
            obj: Mapping[str, Any], context: Context, name: str = name, limit: int = limit
        ) -> Iterator[tuple[str, str, str]]:
            text = obj.get(name)
            if not isinstance(text, str):
                return
            try:
                data = documents.decode_base64(text, name)
            except DomainError as refused:
                yield name, DOC_BASE64, _message(refused)
                return
            declared = obj.get(type_key) if type_key else None
            try:
                documents.check_size(data, limit, name)
                if isinstance(declared, str) and declared in documents.ACCEPTED:
                    documents.check_content(data, declared, name)
            except DocumentTooLarge as refused:
                yield name, DOC_SIZE, _message(refused)
            except DocumentMismatch as refused:
                yield name, DOC_TYPE, _message(refused)

        yield check


def _message(error: DomainError) -> str:
    return error.errors[0].message if error.errors else error.message
