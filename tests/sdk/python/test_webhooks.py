"""A paddock notification, verified by the SDK's own Verifier, unmodified."""

import http.server
import json
import queue
import threading
from dataclasses import dataclass

from paddle_billing.Notifications import Secret, Verifier
from paddle_billing.Resources.ClientTokens.Operations import CreateClientToken

from conftest import admin


@dataclass
class ReceivedRequest:
    """What the Verifier reads: headers and the raw body."""

    headers: dict
    body: bytes


def start_receiver():
    received = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.put(ReceivedRequest(dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received


def test_the_sdk_verifier_accepts_paddocks_signature(account, client):
    server, received = start_receiver()
    try:
        setting = admin(
            "POST",
            f"/accounts/{account}/notification-settings",
            {
                "destination": f"http://127.0.0.1:{server.server_port}/webhooks",
                "subscribed_events": ["client_token.created"],
            },
        )
        token = client.client_tokens.create(CreateClientToken(name="Signed"))
        request = received.get(timeout=15)
        secret = Secret(setting["endpoint_secret_key"])
        assert Verifier().verify(request, secret) is True
        assert Verifier().verify(request, Secret("pdl_ntfset_wrong")) is False
        body = json.loads(request.body)
        assert body["event_type"] == "client_token.created"
        assert body["data"]["id"] == token.id
    finally:
        server.shutdown()
