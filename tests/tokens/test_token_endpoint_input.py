"""What /{slug}/oauth/token does with requests it cannot serve: RFC 6749 errors, never a 500 (SPEC 1, 3)."""

import base64
import json

import pytest
from django.test import Client as DjangoClient

from tests.tokens.conftest import assert_no_store, assert_oauth_error, basic_auth

TOKEN_URL = "/acme/oauth/token"


def test_grant_type_the_client_lacks_is_unauthorized_client(rs256_api, m2m_app, end_user, token_request):
    # given: a client_credentials-only client asking for a password grant
    body = {
        "grant_type": "password",
        "username": end_user.email,
        "password": "correct horse battery staple",
        "audience": rs256_api.identifier,
        **m2m_app.creds,
    }
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(resp, 403, "unauthorized_client")


def test_client_credentials_for_a_client_without_that_grant_type_is_unauthorized_client(
    rs256_api, password_app, token_request
):
    # given
    body = {"grant_type": "client_credentials", "audience": rs256_api.identifier, **password_app.creds}
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(resp, 403, "unauthorized_client")


@pytest.mark.parametrize(
    "grant_type",
    ["urn:example:unknown", "Client_Credentials", "token"],
    ids=["urn_case", "wrong_case_case", "word_case"],
)
def test_unknown_grant_type_is_unsupported(rs256_api, cc_body, token_request, grant_type):
    # given
    body = cc_body(audience=rs256_api.identifier, grant_type=grant_type)
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(resp, 400, "unsupported_grant_type")


@pytest.mark.parametrize("grant_type", ["missing", None, ""], ids=["missing_case", "null_case", "empty_case"])
def test_missing_grant_type_is_invalid_request(rs256_api, cc_body, token_request, grant_type):
    # given
    body = cc_body(audience=rs256_api.identifier)
    if grant_type == "missing":
        del body["grant_type"]
    else:
        body["grant_type"] = grant_type
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(resp, 400, "invalid_request")


@pytest.mark.parametrize(
    "raw",
    [
        '{"grant_type": "client_credentials", ',
        '["grant_type", "client_credentials"]',
        '"client_credentials"',
        "null",
        "",
        "\xff\xfe not utf-8",
    ],
    ids=["truncated_case", "array_case", "string_case", "null_case", "empty_body_case", "not_utf8_case"],
)
def test_json_body_that_is_not_an_object_is_invalid_request(client, m2m_app, raw):
    # given
    data = raw.encode("latin-1") if raw.startswith("\xff") else raw
    # when
    resp = client.post(TOKEN_URL, data, content_type="application/json")
    # then
    assert_oauth_error(resp, 400, "invalid_request")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("audience", 5),
        ("audience", ["https://api.acme.test/"]),
        ("scope", {"a": 1}),
        ("client_id", True),
        ("grant_type", ["client_credentials"]),
        ("client_secret", 1.5),
    ],
    ids=[
        "int_audience_case",
        "list_audience_case",
        "object_scope_case",
        "bool_client_id_case",
        "list_grant_type_case",
        "float_secret_case",
    ],
)
def test_non_string_json_value_is_invalid_request(rs256_api, cc_body, token_request, field, value):
    # given
    body = cc_body(audience=rs256_api.identifier)
    body[field] = value
    # when
    resp = token_request(body)
    # then
    assert_oauth_error(resp, 400, "invalid_request")


@pytest.mark.parametrize("repeated", ["audience", "grant_type", "client_id", "scope"])
def test_repeated_form_parameter_is_invalid_request(client, rs256_api, m2m_app, repeated):
    # given: RFC 6749 section 3.2, parameters must not be included more than once
    params = {
        "grant_type": "client_credentials",
        "audience": rs256_api.identifier,
        "scope": "read:items",
        **m2m_app.creds,
    }
    pairs = list(params.items()) + [(repeated, params[repeated])]
    raw = "&".join(f"{k}={v}" for k, v in pairs)
    # when
    resp = client.post(TOKEN_URL, raw, content_type="application/x-www-form-urlencoded")
    # then
    assert_oauth_error(resp, 400, "invalid_request")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/octet-stream"])
def test_unsupported_content_type_is_invalid_request(client, rs256_api, m2m_app, content_type):
    # given
    raw = json.dumps({"grant_type": "client_credentials", "audience": rs256_api.identifier, **m2m_app.creds})
    # when
    resp = client.post(TOKEN_URL, raw, content_type=content_type)
    # then
    assert_oauth_error(resp, 400, "invalid_request")


@pytest.mark.parametrize("form", [False, True], ids=["json_case", "form_case"])
def test_body_over_64_kib_is_invalid_request(rs256_api, cc_body, token_request, form):
    # given
    body = cc_body(audience=rs256_api.identifier, scope="read:items " + "x" * (64 * 1024 + 1))
    # when
    resp = token_request(body, form=form)
    # then
    assert_oauth_error(resp, 400, "invalid_request")


def test_many_form_fields_are_invalid_request_not_500(client, m2m_app):
    # given: more fields than Django parses by default
    raw = "grant_type=client_credentials&" + "&".join(f"f{i}=v" for i in range(2000))
    # when
    resp = client.post(TOKEN_URL, raw, content_type="application/x-www-form-urlencoded")
    # then
    assert_oauth_error(resp, 400, "invalid_request")


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_only_post_is_allowed(client, method):
    # when
    resp = getattr(client, method)(TOKEN_URL)
    # then
    assert resp.status_code == 405
    assert "POST" in resp["Allow"]


def test_token_endpoint_needs_no_csrf_token(rs256_api, cc_body):
    # given: an SDK, not a browser form, with Django's CSRF checks enforced
    client = DjangoClient(enforce_csrf_checks=True)
    body = cc_body(audience=rs256_api.identifier)
    # when
    resp = client.post(TOKEN_URL, json.dumps(body), content_type="application/json")
    # then
    assert resp.status_code == 200
    assert_no_store(resp)


@pytest.mark.parametrize(
    "field", ["client_id", "client_secret", "code", "refresh_token", "audience", "grant_type"]
)
def test_lone_surrogate_in_a_json_value_is_invalid_request(client, m2m_app, field):
    # given: JSON can escape half of a UTF-16 pair, which no driver or hash can encode as UTF-8
    body = {k: v for k, v in {"grant_type": "client_credentials", **m2m_app.creds}.items() if k != field}
    raw = json.dumps(body)[:-1] + f', "{field}": "x\\ud800"}}'
    # when
    resp = client.post(TOKEN_URL, raw, content_type="application/json")
    # then
    assert_oauth_error(
        resp,
        400,
        "invalid_request",
        f"The {field} parameter is not valid Unicode text (a lone surrogate).",
    )


@pytest.mark.parametrize(
    "header",
    [
        basic_auth("a\x00b", "s"),
        "Basic " + base64.b64encode(b"a\x00b:s").decode(),
        basic_auth("app", "s\x00"),
    ],
    ids=["encoded_client_id_case", "raw_client_id_case", "secret_case"],
)
def test_nul_in_basic_credentials_is_invalid_client(client, m2m_app, header):
    # when
    resp = client.post(
        TOKEN_URL,
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=header,
    )
    # then
    assert_oauth_error(
        resp,
        401,
        "invalid_client",
        "The client credentials in the Authorization header contain a NUL character.",
    )
    assert resp["WWW-Authenticate"] == 'Basic realm="acme"'
