"""A test-mode checkout's webhooks, judged by paddle-python-sdk: every
transaction, customer and address event paddock sends for a purchase (a
draft opened, a customer given then changed, a declined card, a good one)
passes the SDK's `Verifier` and parses, by the SDK's own event parsing,
into its typed entity, never its `UndefinedEntity` fallback."""

import json
import urllib.request

from paddle_billing.Entities.Notifications import NotificationEvent
from paddle_billing.Notifications.Entities.Shared import CountryCode, CurrencyCode, TransactionStatus
from paddle_billing.Notifications import Secret, Verifier
from paddle_billing.Notifications.Entities.Address import Address
from paddle_billing.Notifications.Entities.Customer import Customer
from paddle_billing.Notifications.Entities.Transaction import Transaction
from paddle_billing.Resources.ClientTokens.Operations import CreateClientToken

from conftest import BASE_URL, admin
from test_webhooks import start_receiver

PRODUCT = "pro_01kzvyz95263x6amf3w4cgbqh4"
MONTHLY = "pri_01kzvyz9e21z9vbhd7xqq3csyh"
EVENTS = [
    "transaction.created", "transaction.updated", "transaction.ready", "transaction.paid",
    "transaction.completed", "transaction.payment_failed", "customer.created", "customer.updated",
    "address.created", "address.updated",
]


def page(method, path, body=None, token=None):
    """A request as the checkout page sends it; returns the view."""
    headers = {"Content-Type": "application/json", "Origin": "http://shop.test"}
    if token:
        headers |= {"Paddle-Clienttoken": token, "Paddock-Environment": "sandbox"}
    request = urllib.request.Request(
        f"{BASE_URL}{path}",
        method=method,
        data=None if body is None else json.dumps({"data": body}).encode(),
        headers=headers,
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)["data"]


def card(number):
    return {"card_number": number, "expiry_month": 12, "expiry_year": 2099, "cvv": "123",
            "cardholder_name": "Ada Buyer"}


def shop(account, make_client):
    """The $5.00 monthly price, New York's rate, a client-side token."""
    admin("POST", f"/accounts/{account}/catalog", {
        "environment": "sandbox",
        "products": [{"id": PRODUCT, "name": "Solo", "tax_category": "saas"}],
        "prices": [{
            "id": MONTHLY, "description": "Solo, monthly", "name": "Monthly", "product_id": PRODUCT,
            "billing_cycle": {"interval": "month", "frequency": 1}, "tax_mode": "location",
            "unit_price": {"amount": "500", "currency_code": "USD"},
        }],
    })
    admin("PUT", f"/accounts/{account}/tax", {"rates": {"US": "0.08875"}})
    return make_client(permissions=["client_token.write"]).client_tokens.create(
        CreateClientToken(name="Storefront")
    ).token


def test_every_checkout_webhook_verifies_and_parses(account, make_client):
    token = shop(account, make_client)
    server, received = start_receiver()
    verified = []

    def take(n):
        """The next `n` webhooks, each verified as it lands (the SDK allows 5 s)."""
        for _ in range(n):
            request = received.get(timeout=15)
            assert Verifier().verify(request, secret) is True
            assert Verifier().verify(request, Secret("pdl_ntfset_wrong")) is False
            verified.append(request)

    try:
        setting = admin("POST", f"/accounts/{account}/notification-settings", {
            "destination": f"http://127.0.0.1:{server.server_port}/webhooks",
            "subscribed_events": EVENTS,
        })
        secret = Secret(setting["endpoint_secret_key"])
        opened = page("POST", "/transaction-checkout",
                      {"items": [{"price_id": MONTHLY, "quantity": 1}]}, token=token)
        checkout = f"/transaction-checkout/{opened['id']}"
        take(1)
        customer = {"email": "buyer@shop.test", "address": {"country_code": "US", "postal_code": "10001"}}
        page("POST", f"{checkout}/customer", customer)
        take(4)
        customer = {"email": "ada@shop.test", "address": {"country_code": "US", "postal_code": "10002"}}
        page("POST", f"{checkout}/customer", customer)
        take(3)
        assert page("POST", f"{checkout}/pay", card("4000 0000 0000 0002"))["state"] == "open"
        take(1)
        assert page("POST", f"{checkout}/pay", card("4242 4242 4242 4242"))["state"] == "completed"
        take(4)
    finally:
        server.shutdown()

    events = sorted((NotificationEvent.from_request(r) for r in verified), key=lambda e: e.occurred_at)
    assert sorted({e.event_type.value for e in events}) == sorted(EVENTS)
    kinds = {"transaction": Transaction, "customer": Customer, "address": Address}
    for event in events:
        kind = kinds[event.event_type.value.split(".")[0]]
        assert isinstance(event.data, kind), f"{event.event_type}: {event.data}"
        assert event.notification_id.startswith("ntf_") and event.event_id.startswith("evt_")

    by_type = {}
    for event in events:
        by_type.setdefault(event.event_type.value, []).append(event.data)
    assert by_type["transaction.created"][0].status == TransactionStatus.Draft
    assert by_type["transaction.ready"][0].status == TransactionStatus.Ready
    failed = by_type["transaction.payment_failed"][0]
    assert failed.status == TransactionStatus.Ready
    assert failed.payments[0].error_code.value == "declined"
    paid = by_type["transaction.paid"][0]
    assert paid.status == TransactionStatus.Paid and paid.billed_at is not None
    done = by_type["transaction.completed"][0]
    assert done.status == TransactionStatus.Completed
    assert done.id == opened["transaction_id"] and done.subscription_id is None
    assert done.currency_code == CurrencyCode.USD and done.origin.value == "web"
    assert (done.details.totals.subtotal, done.details.totals.tax, done.details.totals.total) == ("500", "44", "544")
    assert (done.details.totals.fee, done.details.totals.earnings) == ("77", "423")
    assert done.details.payout_totals.fee_rate == "0.05"
    assert done.details.lineItems[0].product.id == PRODUCT  # the SDK's own spelling
    assert done.items[0].price.id == MONTHLY and done.items[0].quantity == 1
    assert [p.status.value for p in done.payments] == ["captured", "error"]
    assert done.payments[0].method_details.card.last4 == "4242"
    assert done.invoice_number is not None and done.invoice_id.startswith("inv_")
    assert done.checkout.url == f"http://shop.test?_ptxn={done.id}"
    first, changed = by_type["customer.created"][0], by_type["customer.updated"][0]
    assert (first.email, changed.email, changed.id) == ("buyer@shop.test", "ada@shop.test", first.id)
    assert done.customer_id == first.id
    address = by_type["address.updated"][0]
    assert (address.postal_code, address.country_code) == ("10002", CountryCode.US)
    assert address.id == by_type["address.created"][0].id == done.address_id
