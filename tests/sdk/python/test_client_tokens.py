"""paddle-python-sdk against paddock: what the SDK parsed, not raw HTTP."""

from datetime import datetime, timezone

import pytest
from paddle_billing.Entities.ClientTokens import ClientTokenStatus
from paddle_billing.Exceptions.ApiError import ApiError
from paddle_billing.Resources.ClientTokens.Operations import (
    CreateClientToken,
    ListClientTokens,
    UpdateClientToken,
)
from paddle_billing.Resources.Shared.Operations import Pager

from conftest import client_for


def test_create_without_description(client):
    token = client.client_tokens.create(CreateClientToken(name="Pricing page"))
    assert token.id.startswith("ctkn_") and len(token.id) == 31
    assert token.token.startswith("test_") and len(token.token) == 32
    assert token.name == "Pricing page"
    assert token.description is None
    assert token.status == ClientTokenStatus.Active
    assert token.revoked_at is None
    assert token.created_at.tzinfo is not None
    assert token.created_at == token.updated_at
    assert abs((datetime.now(timezone.utc) - token.created_at).total_seconds()) < 60


def test_create_with_description_and_get(client):
    created = client.client_tokens.create(CreateClientToken(name="Checkout", description="On example.com"))
    fetched = client.client_tokens.get(created.id)
    assert fetched == created
    assert fetched.description == "On example.com"


def test_live_keys_make_live_tokens(make_client):
    token = make_client(environment="live").client_tokens.create(CreateClientToken(name="Live"))
    assert token.token.startswith("live_")


def test_the_paginator_walks_every_page(client):
    created = [client.client_tokens.create(CreateClientToken(name=f"token {n}")).id for n in range(7)]
    collection = client.client_tokens.list(ListClientTokens(Pager(per_page=3)))
    seen = [token.id for token in collection]
    assert seen == created  # the SDK asks for id[asc] by default


def test_status_filter(client):
    active = client.client_tokens.create(CreateClientToken(name="stays")).id
    revoked = client.client_tokens.create(CreateClientToken(name="goes")).id
    client.client_tokens.revoke(revoked)
    listed = lambda statuses: [t.id for t in client.client_tokens.list(ListClientTokens(statuses=statuses))]
    assert listed([ClientTokenStatus.Revoked]) == [revoked]
    assert listed([ClientTokenStatus.Active]) == [active]
    # Without a Pager the SDK sends no order_by: newest first, Paddle's default.
    assert listed([ClientTokenStatus.Active, ClientTokenStatus.Revoked]) == [revoked, active]
    assert [t.id for t in client.client_tokens.list()] == [active]


def test_revoke(client):
    token = client.client_tokens.create(CreateClientToken(name="Short-lived"))
    revoked = client.client_tokens.revoke(token.id)
    assert revoked.status == ClientTokenStatus.Revoked
    assert revoked.revoked_at is not None and revoked.revoked_at == revoked.updated_at
    again = client.client_tokens.update(token.id, UpdateClientToken(status=ClientTokenStatus.Revoked))
    assert again == revoked


def test_not_found(client):
    with pytest.raises(ApiError) as raised:
        client.client_tokens.get("ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x")
    error = raised.value
    assert (error.error_type, error.error_code) == ("request_error", "not_found")
    assert error.detail == "Entity ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x not found"
    assert error.docs_url == "https://developer.paddle.com/v1/errors/shared/not_found"
    assert error.response.status_code == 404


def test_schema_errors_carry_field_errors(client):
    # Paddle answers a body that fails its schema with bad_request, in a
    # JSON-schema validator's words; the SDK raises its plain ApiError.
    with pytest.raises(ApiError) as raised:
        client.client_tokens.create(CreateClientToken(name="x" * 151, description=""))
    error = raised.value
    assert type(error) is ApiError
    assert (error.error_type, error.error_code) == ("request_error", "bad_request")
    assert error.detail == "Invalid request."
    assert error.docs_url == "https://developer.paddle.com/v1/errors/shared/bad_request"
    fields = [(e.field, e.error) for e in error.field_errors]
    assert fields == [
        ("name", "String length must be less than or equal to 150"),
        ("description", "String length must be greater than or equal to 1"),
    ]


def test_a_read_only_key_is_forbidden_to_write(make_client):
    reader = make_client(permissions=["client_token.read"])
    with pytest.raises(ApiError) as raised:
        reader.client_tokens.create(CreateClientToken(name="nope"))
    assert (raised.value.error_code, raised.value.response.status_code) == ("forbidden", 403)
    assert list(reader.client_tokens.list()) == []


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_NotAKeyOfAnyone", "invalid_token"),
        ("not-a-paddle-key", "authentication_malformed"),
    ],
)
def test_missing_and_invalid_keys(key, code):
    with pytest.raises(ApiError) as raised:
        list(client_for(key).client_tokens.list())
    assert raised.value.error_code == code
    assert raised.value.response.status_code == 403
