"""The checkout page's client-side token, tested against paddock."""

from datetime import datetime, timezone

from paddle_billing.Entities.ClientTokens import ClientTokenStatus
from paddle_billing.Resources.ClientTokens.Operations import CreateClientToken, UpdateClientToken

from conftest import admin


def test_a_token_ages_with_the_clock_and_is_created_once(paddle, account):
    token = paddle.client_tokens.create(CreateClientToken(name="Checkout"))
    assert token.created_at == datetime(2030, 1, 1, tzinfo=timezone.utc)

    # Three days pass at once.
    admin("POST", f"/accounts/{account}/clock/advance", {"seconds": 3 * 86400})
    revoked = paddle.client_tokens.update(token.id, UpdateClientToken(status=ClientTokenStatus.Revoked))
    assert (revoked.revoked_at - token.created_at).days == 3

    # Verify what the code sent: exactly one POST /client-tokens, answered 201.
    query = "method=POST&path=/client-tokens&status=201"
    assert admin("GET", f"/accounts/{account}/requests/count?{query}") == {"count": 1}


def test_the_same_seed_gives_the_same_ids_and_tokens(paddle, account, request):
    first = paddle.client_tokens.create(CreateClientToken(name="Pricing"))

    # Setting the seed again restarts its sequence: the same requests get
    # the same ids, token values and timestamps, as on every run.
    admin("POST", f"/accounts/{account}/reset")
    admin("PUT", f"/accounts/{account}/seed", {"seed": request.node.name})
    again = paddle.client_tokens.create(CreateClientToken(name="Pricing"))
    assert (again.id, again.token, again.created_at) == (first.id, first.token, first.created_at)
