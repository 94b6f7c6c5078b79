"""The token endpoint's decisions (koppelbox.rules.oauth) without HTTP: RFC 6749 §2.3 client
authentication, §4.4 grant type, §3.3 scope, and the §5.2 error each wrong request gets."""

from __future__ import annotations

import base64

import pytest

from koppelbox.rules.oauth import (
    ClientCredentials,
    OAuthError,
    check_grant_type,
    client_credentials,
    granted_scopes,
)


def basic(raw: str) -> str:
    return "Basic " + base64.b64encode(raw.encode()).decode()


def refusal(authorization: str | None, form_id: str | None, form_secret: str | None) -> OAuthError:
    with pytest.raises(OAuthError) as refused:
        client_credentials(authorization, form_id, form_secret)
    return refused.value


# --- one authentication method per request (RFC 6749 §2.3) ---


def test_basic_alone_is_client_secret_basic() -> None:
    assert client_credentials(basic("partner-kompas:kompas-secret"), None, None) == ClientCredentials(
        "partner-kompas", "kompas-secret", "client_secret_basic"
    )


def test_form_fields_alone_are_client_secret_post() -> None:
    assert client_credentials(None, "partner-kompas", "kompas-secret") == ClientCredentials(
        "partner-kompas", "kompas-secret", "client_secret_post"
    )


def test_an_empty_form_secret_is_still_a_post_attempt_for_the_store_to_refuse() -> None:
    assert client_credentials(None, "partner-kompas", "") == ClientCredentials(
        "partner-kompas", "", "client_secret_post"
    )


@pytest.mark.parametrize(
    ("form_id", "form_secret"),
    [("partner-kompas", "kompas-secret"), ("partner-kompas", None), (None, "kompas-secret"), ("", None)],
    ids=["id-and-secret", "id-alone", "secret-alone", "empty-id"],
)
def test_basic_together_with_any_form_credential_is_invalid_request(
    form_id: str | None, form_secret: str | None
) -> None:
    refused = refusal(basic("partner-kompas:kompas-secret"), form_id, form_secret)
    assert refused.error == "invalid_request"
    assert refused.status == 400
    assert refused.description == "Authenticate with HTTP Basic or with form fields, not both."


@pytest.mark.parametrize(
    ("form_id", "form_secret"),
    [(None, None), ("partner-kompas", None), (None, "kompas-secret"), ("", "kompas-secret")],
    ids=["nothing", "client-id-without-secret", "secret-without-client-id", "empty-client-id"],
)
def test_incomplete_form_credentials_are_invalid_client_not_a_crash(
    form_id: str | None, form_secret: str | None
) -> None:
    refused = refusal(None, form_id, form_secret)
    assert refused.error == "invalid_client"
    assert refused.status == 401
    assert refused.description == "No client authentication: send HTTP Basic or client_id + client_secret."


# --- the Basic header itself ---


@pytest.mark.parametrize("scheme", ["basic", "BASIC", "Basic"])
def test_the_basic_scheme_name_is_case_insensitive(scheme: str) -> None:
    header = f"{scheme} " + base64.b64encode(b"partner-kompas:kompas-secret").decode()
    assert client_credentials(header, None, None).client_id == "partner-kompas"


def test_padding_whitespace_around_the_credentials_is_ignored() -> None:
    header = "Basic  " + base64.b64encode(b"partner-kompas:kompas-secret").decode() + " "
    assert client_credentials(header, None, None).client_secret == "kompas-secret"


@pytest.mark.parametrize(
    ("authorization", "says"),
    [
        ("Bearer " + base64.b64encode(b"partner-kompas:kompas-secret").decode(), "Basic scheme"),
        ("Digest username=partner-kompas", "Basic scheme"),
        ("Basic", "Basic scheme"),
        ("Basic    ", "Basic scheme"),
        (basic("partner-kompas"), "client_id:client_secret"),
        ("Basic cGFydG5lci1rb21wYXM6a29tcGFzLXNlY3JldA!=", "not valid base64"),
        ("Basic cGFydG5lci1rb21w!YXM6a29tcGFzLXNlY3JldA==", "not valid base64"),  # not skipped over
        ("Basic cGFydG5lci1rb21wYXM6a29tcGFzLXNlY3JldA", "not valid base64"),  # padding missing
        ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "not valid base64"),  # not UTF-8
        ("Basic cGFydG5lcs3:a29tcGFz", "not valid base64"),
        ("Basic d\u00e9ad", "not valid base64"),  # outside ASCII
    ],
    ids=[
        "bearer-carrying-basic-credentials",
        "other-scheme",
        "no-credentials",
        "blank-credentials",
        "no-colon",
        "outside-the-alphabet",
        "outside-the-alphabet-inside",
        "unpadded",
        "not-utf8",
        "colon-in-base64",
        "non-ascii",
    ],
)
def test_a_bad_authorization_header_is_invalid_client_401(authorization: str, says: str) -> None:
    refused = refusal(authorization, None, None)
    assert refused.error == "invalid_client"
    assert refused.status == 401
    assert refused.description == DESCRIPTIONS[says]
    assert str(refused) == refused.description


# What the vendor reads in `error_description`, in full.
DESCRIPTIONS = {
    "Basic scheme": "The Authorization header must use the Basic scheme.",
    "client_id:client_secret": "The Basic credentials must be client_id:client_secret.",
    "not valid base64": "The Basic credentials are not valid base64.",
}


def test_basic_parts_are_form_urldecoded_and_split_at_the_first_colon() -> None:
    # RFC 6749 §2.3.1: id and secret are application/x-www-form-urlencoded before they are joined.
    credentials = client_credentials(basic("docs%2Dexample%3Aa:s%C3%A9cret+word:with colon"), None, None)
    assert credentials == ClientCredentials("docs-example:a", "sécret word:with colon", "client_secret_basic")


def test_an_empty_secret_in_basic_is_passed_on_for_the_store_to_refuse() -> None:
    assert client_credentials(basic("partner-kompas:"), None, None).client_secret == ""


# --- grant type and scope ---


def test_client_credentials_is_the_grant_accepted() -> None:
    check_grant_type("client_credentials")  # no exception


@pytest.mark.parametrize(
    ("grant_type", "error"),
    [
        (None, "invalid_request"),
        ("", "invalid_request"),
        ("password", "unsupported_grant_type"),
        ("Client_Credentials", "unsupported_grant_type"),
    ],
)
def test_a_missing_or_other_grant_type_is_refused(grant_type: str | None, error: str) -> None:
    with pytest.raises(OAuthError) as refused:
        check_grant_type(grant_type)
    assert refused.value.error == error
    assert refused.value.status == 400
    assert refused.value.description == (
        f"Only client_credentials is supported, not {grant_type!r}."
        if grant_type
        else "grant_type is required."
    )


ALLOWED = frozenset({"wimpel.organisations.read", "wimpel.organisations.write"})


@pytest.mark.parametrize("requested", [None, "", "   "])
def test_no_requested_scope_grants_all_the_clients_scopes(requested: str | None) -> None:
    assert granted_scopes(requested, ALLOWED) == ALLOWED


def test_a_requested_scope_narrows_the_grant_to_exactly_that() -> None:
    assert granted_scopes(" wimpel.organisations.read ", ALLOWED) == {"wimpel.organisations.read"}
    assert granted_scopes("wimpel.organisations.write wimpel.organisations.read", ALLOWED) == ALLOWED


def test_one_scope_the_client_may_not_have_refuses_the_whole_request() -> None:
    with pytest.raises(OAuthError) as refused:
        granted_scopes("wimpel.organisations.read eduv.b eduv.a", ALLOWED)
    assert refused.value.error == "invalid_scope"
    assert refused.value.status == 400
    assert refused.value.description == "This client may not have scope(s): eduv.a, eduv.b."
