"""paddock in a pytest suite: an account per test worker, and before each
test a reset, a seed named after the test and a clock stopped at START."""

import os

import pytest
import requests
from paddle_billing import Client, Options

PADDOCK_URL = os.environ.get("PADDOCK_URL", "http://127.0.0.1:8080")
ADMIN = {"Authorization": f"Bearer {os.environ['PADDOCK_ADMIN_TOKEN']}"}
START = "2030-01-01T00:00:00Z"


def admin(method, path, body=None):
    """Calls paddock's admin API; returns the answer's `data`."""
    url = f"{PADDOCK_URL}/__paddock{path}"
    response = requests.request(method, url, json=body, headers=ADMIN, timeout=10)
    response.raise_for_status()
    return response.json()["data"]


class Paddock:
    """What the SDK's `Options(environment=...)` reads: a `base_url`."""

    base_url = PADDOCK_URL


@pytest.fixture(scope="session")
def account():
    """One account per worker (pytest-xdist calls them gw0, gw1, ...)."""
    name = f"checkout-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin("POST", "/accounts", {"name": name})
    return name


@pytest.fixture(scope="session")
def api_key(account):
    body = {"environment": "sandbox", "permissions": ["client_token.read", "client_token.write"]}
    return admin("POST", f"/accounts/{account}/api-keys", body)["key"]


@pytest.fixture
def paddle(account, api_key, request):
    """Paddle's own client on a clean account: its sequence seeded with this
    test's name, its clock stopped at START."""
    admin("POST", f"/accounts/{account}/reset")
    admin("PUT", f"/accounts/{account}/seed", {"seed": request.node.name})
    admin("PUT", f"/accounts/{account}/clock", {"frozen": True, "now": START})
    return Client(api_key, options=Options(environment=Paddock()))
