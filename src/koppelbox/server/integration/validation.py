"""Request and response validation with everything that depends only on the operation prepared once.

Stock Connexion builds, for every request, a URI parser, a `ParameterValidator`, a `MediaTypeDict` of the
accepted media types, the body definition and a second URI parser for the body validator; for every
response it builds a new pure-Python jsonschema validator. Here the request side is prepared once per
operation (the validators themselves are still the ones in our `validator_map`), and a response body
is accepted at once when the compiled validator finds it valid. Verdicts do not change: anything the
compiled validator does not accept goes through Connexion's own check, which decides.
"""

from __future__ import annotations

from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem, UnsupportedMediaTypeProblem
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.utils import is_nullable, split_content_type
from connexion.validators import VALIDATOR_MAP, JSONResponseBodyValidator
from starlette.types import ASGIApp, Receive, Scope, Send

from koppelbox.server.integration.body import read_once
from koppelbox.server.integration.headers import content_type_of
from koppelbox.server.integration.private import BodyValidatorFields, stock_response_check
from koppelbox.server.integration.schemas import for_contract

_REMEMBERED = 64  # answers kept per operation, per distinct Content-Type or media type


class _PreparedOperation(RequestValidationOperation):  # type: ignore[misc]
    def __init__(
        self, next_app: ASGIApp, *, operation: Any, validator_map: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(next_app, operation=operation, validator_map=validator_map, **kwargs)
        # What the stock operation keeps under private names, kept here under our own.
        self.operation = operation
        self.validators = {**VALIDATOR_MAP, **(validator_map or {})}
        # URI parsers keep nothing per request: one serves the parameter and the body validators.
        self._parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self._parameter_validator = self.validators["parameter"](
            operation.parameters,
            uri_parser=self._parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params,
        )
        consumes = operation.consumes
        self._accepted = MediaTypeDict([(c.lower(), None) for c in consumes]) if consumes else None
        self._bodies: dict[str, tuple[Any, Any, bool]] = {}  # mime type → (schema, validator, nullable)
        self._content_types: dict[str | None, tuple[str, str]] = {}  # Content-Type → (media type, charset)
        self._verdicts: dict[str, bool] = {}  # media type → accepted by the operation
        self._guessed = self.extract_content_type([])  # what a request without Content-Type is taken for

    def extract_content_type(self, headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
        """Connexion's, with the header found by `content_type_of` (integration/headers.py) and the answer
        kept per header value (clients send a handful of distinct ones)."""
        content_type = content_type_of(headers)
        found = self._content_types.get(content_type)
        if found is None:
            mime_type, encoding = split_content_type(content_type)
            if mime_type is None:  # no Content-Type: Connexion's best guess
                consumes = self.operation.consumes
                mime_type = consumes[0] if consumes else "application/octet-stream"
            found = (mime_type, encoding or "utf-8")
            if len(self._content_types) < _REMEMBERED:
                self._content_types[content_type] = found
        return found

    def validate_mime_type(self, mime_type: str) -> None:
        if self._accepted is None:
            return
        key = mime_type.lower()
        accepted = self._verdicts.get(key)
        if accepted is None:  # `MediaTypeDict` sorts its keys and runs fnmatch on every lookup
            accepted = key in self._accepted
            if len(self._verdicts) < _REMEMBERED:  # a client inventing media types cannot grow memory
                self._verdicts[key] = accepted
        if not accepted:
            raise UnsupportedMediaTypeProblem(
                detail=f"Invalid Content-type ({mime_type}), expected {self.operation.consumes}"
            )

    def _body_for(self, mime_type: str) -> tuple[Any, Any, bool]:
        found = self._bodies.get(mime_type)
        if found is None:
            schema = self.operation.body_schema(mime_type)
            validator = self.validators["body"].get(mime_type) if schema else None
            nullable = bool(schema) and is_nullable(self.operation.body_definition(mime_type))
            # Bounded: only media types the operation accepts get this far.
            found = self._bodies[mime_type] = (schema, validator, nullable)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        receive, scope = await self.admit(scope, receive)
        await self.next_app(scope, receive, send)

    async def admit(self, scope: Scope, receive: Receive) -> tuple[Receive, Scope]:
        """Validate the request; raise Connexion's problem when it is refused, else return the `receive`
        and scope to go on with (a body validator replays the body it read)."""
        self._parameter_validator.validate(scope)
        content_type = content_type_of(scope["headers"])
        if content_type is None:
            # Connexion's guess for a request without Content-Type is the operation's first media type,
            # which the operation accepts by definition: nothing to check.
            mime_type, encoding = self._guessed
        else:
            if not content_type.isascii():
                # A media type is ASCII (RFC 9110 §8.3); Connexion's request would fail to decode one that
                # is not when the handler's arguments are built.
                raise BadRequestProblem(detail="The Content-Type header is not a media type (not ASCII).")
            mime_type, encoding = self.extract_content_type(scope["headers"])
            self.validate_mime_type(mime_type)
        schema, validator_class, nullable = self._body_for(mime_type)
        if schema and validator_class is not None:
            if getattr(validator_class, "accepts_parsed", None) is not None:
                # A JSON body the compiled validator accepts is accepted here, read and parsed once;
                # any other goes through the validator below, which decides and words it.
                raw, receive = await read_once(scope, receive)
                if validator_class.accepts_parsed(raw, encoding, schema, scope):
                    return receive, scope
            validator = validator_class(
                schema=schema,
                required=self.operation.request_body.get("required", False),
                nullable=nullable,
                encoding=encoding,
                strict_validation=self.strict_validation,
                uri_parser=self._parser,
            )
            receive, scope = await validator.wrap_receive(receive, scope=scope)
        return receive, scope


class _PreparedAPI(RequestValidationAPI):  # type: ignore[misc]
    def make_operation(self, operation: Any) -> _PreparedOperation:
        return _PreparedOperation(
            self.next_app,
            operation=operation,
            strict_validation=self.strict_validation,
            validator_map=self.validator_map,
        )


class PreparedRequestValidationMiddleware(RequestValidationMiddleware):  # type: ignore[misc]
    """Connexion's request validation middleware, prepared per operation at start-up."""

    api_cls = _PreparedAPI


class ResponseBodyValidator(BodyValidatorFields, JSONResponseBodyValidator):  # type: ignore[misc]
    """A response body the compiled validator accepts is accepted; any other goes to Connexion's check,
    which raises its usual error. The compiled validator is never more lenient than Connexion's (same
    draft, same nullable rule, the same or stricter formats and patterns), so the verdict is Connexion's."""

    def check_body(self, body: Any) -> Any:
        # No schema accepts anything (and Connexion hands a new empty dict each time: nothing to cache).
        schema = self.schema
        if not schema or for_contract(schema).is_valid(body):
            return None
        return stock_response_check(self, body)
