"""Shared fixtures: a paddock already running (see tests/sdk/run.sh), an
account of this test's own, and Paddle's official client pointed at paddock
through its supported knob, an environment object with a `base_url`."""

import json
import os
import urllib.request
import uuid
from dataclasses import dataclass

import pytest
from paddle_billing import Client, Options

BASE_URL = os.environ["PADDOCK_URL"]
ADMIN_TOKEN = os.environ["PADDOCK_ADMIN_TOKEN"]
BOTH = ["client_token.read", "client_token.write"]


@dataclass(frozen=True)
class Paddock:
    """What `Options(environment=...)` reads: only `base_url`."""

    base_url: str


def admin(method, path, body=None):
    request = urllib.request.Request(
        f"{BASE_URL}/__paddock{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)["data"]


def client_for(key):
    return Client(key, options=Options(environment=Paddock(BASE_URL)))


@pytest.fixture
def account():
    return f"py-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_client(account):
    """Returns a client whose key has the given permissions and environment."""

    def make(permissions=BOTH, environment="sandbox"):
        key = admin(
            "POST",
            f"/accounts/{account}/api-keys",
            {"environment": environment, "permissions": permissions},
        )["key"]
        return client_for(key)

    return make


@pytest.fixture
def client(make_client):
    return make_client()
