"""paddle-python-sdk's price and transaction previews against paddock: the
SDK parses paddock's answers into its entities. The catalog and tax rates
are loaded through the admin API, like those of Paddle's recorded previews."""

import pytest
from paddle_billing.Entities.PricingPreviews import PricePreviewItem
from paddle_billing.Entities.Shared import AddressPreview, CountryCode, CurrencyCode, TaxMode
from paddle_billing.Exceptions.ApiError import ApiError
from paddle_billing.Resources.PricingPreviews.Operations import PreviewPrice
from paddle_billing.Resources.Transactions.Operations import PreviewTransaction, PreviewTransactionByAddress
from paddle_billing.Resources.Transactions.Operations.Preview import TransactionItemPreviewWithPriceId

from conftest import admin

PRODUCT = "pro_01kzvyz95263x6amf3w4cgbqh4"
MONTHLY = "pri_01kzvyz9e21z9vbhd7xqq3csyh"
SETUP = "pri_01kzvyz9e21z9vbhd7xqq3csy1"


@pytest.fixture
def catalog(account):
    admin(
        "POST",
        f"/accounts/{account}/catalog",
        {
            "environment": "sandbox",
            "products": [{"id": PRODUCT, "name": "Solo", "tax_category": "saas", "custom_data": {"tier": "solo"}}],
            "prices": [
                {
                    "id": MONTHLY, "description": "Solo, monthly", "name": "Monthly", "product_id": PRODUCT,
                    "billing_cycle": {"interval": "month", "frequency": 1}, "tax_mode": "location",
                    "unit_price": {"amount": "500", "currency_code": "USD"},
                    "quantity": {"minimum": 1, "maximum": 1},
                },
                {
                    "id": SETUP, "description": "Setup", "name": "Setup", "product_id": PRODUCT,
                    "tax_mode": "external",
                    "unit_price": {"amount": "19900", "currency_code": "USD"},
                    "unit_price_overrides": [
                        {"country_codes": ["JP"], "unit_price": {"amount": "31900", "currency_code": "JPY"}}
                    ],
                },
            ],
        },
    )
    admin("PUT", f"/accounts/{account}/tax", {"rates": {"US": "0.08875", "GB": "0.2", "JP": "0.1"}})


@pytest.fixture
def previewer(make_client, catalog):
    return make_client(permissions=["transaction.read"])


def test_preview_prices_as_recorded_in_new_york(previewer):
    preview = previewer.pricing_previews.preview_prices(
        PreviewPrice(
            items=[PricePreviewItem(price_id=MONTHLY, quantity=1)],
            address=AddressPreview(postal_code="10001", country_code=CountryCode.US),
        )
    )
    assert preview.currency_code == CurrencyCode.USD
    assert preview.address.postal_code == "10001" and preview.address.country_code == CountryCode.US
    line = preview.details.line_items[0]
    assert line.price.id == MONTHLY and line.price.tax_mode == TaxMode.Location
    assert line.price.unit_price.amount == "500"
    assert line.product.id == PRODUCT and line.product.custom_data.data == {"tier": "solo"}
    assert line.tax_rate == "0.08875"
    assert (line.totals.subtotal, line.totals.tax, line.totals.total) == ("500", "44", "544")
    assert line.formatted_totals.total == "$5.44" and line.formatted_unit_totals.tax == "$0.44"
    assert line.discounts == []
    assert [method.value for method in preview.available_payment_methods] == ["card", "paypal", "apple_pay"]


def test_preview_prices_in_the_countrys_currency(previewer):
    preview = previewer.pricing_previews.preview_prices(
        PreviewPrice(
            items=[PricePreviewItem(price_id=SETUP, quantity=1)],
            address=AddressPreview(postal_code=None, country_code=CountryCode.JP),
        )
    )
    assert preview.currency_code == CurrencyCode.JPY
    assert preview.address.postal_code == ""
    line = preview.details.line_items[0]
    assert (line.totals.subtotal, line.totals.tax, line.totals.total) == ("31900", "3190", "35090")
    assert line.formatted_totals.total == "¥35,090"


def test_preview_a_transaction(previewer):
    preview = previewer.transactions.preview(
        PreviewTransactionByAddress(
            address=AddressPreview(postal_code="SW1A 1AA", country_code=CountryCode.GB),
            items=[
                TransactionItemPreviewWithPriceId(price_id=MONTHLY, quantity=1),
                TransactionItemPreviewWithPriceId(price_id=SETUP, quantity=1, include_in_totals=False),
            ],
        )
    )
    assert preview.currency_code == CurrencyCode.USD
    assert preview.ignore_trials is False
    assert [item.price.id for item in preview.items] == [MONTHLY, SETUP]
    assert [item.include_in_totals for item in preview.items] == [True, False]
    totals = preview.details.totals
    # $5.00 with 20% inside; the setup fee is listed but left out.
    assert (totals.subtotal, totals.tax, totals.total, totals.grand_total) == ("417", "83", "500", "500")
    assert totals.fee is None and totals.earnings is None
    assert [rate.tax_rate for rate in preview.details.tax_rates_used] == ["0.2"]
    setup = preview.details.line_items[1]
    assert setup.price_id == SETUP and setup.totals.total == "23880"


def test_without_a_location_a_transaction_is_untaxed(previewer):
    preview = previewer.transactions.preview(
        PreviewTransaction(items=[TransactionItemPreviewWithPriceId(price_id=MONTHLY, quantity=1)])
    )
    assert preview.address is None
    assert preview.details.totals.total == "500"


def test_refusals_are_api_errors(previewer, make_client):
    with pytest.raises(ApiError) as refused:
        previewer.pricing_previews.preview_prices(
            PreviewPrice(items=[PricePreviewItem(price_id="pri_00000000000000000000000000", quantity=1)])
        )
    assert refused.value.error_code == "transaction_price_not_found"
    assert refused.value.detail.endswith("provided: pri_00000000000000000000000000")
    with pytest.raises(ApiError) as refused:
        make_client().pricing_previews.preview_prices(
            PreviewPrice(items=[PricePreviewItem(price_id=MONTHLY, quantity=1)])
        )
    assert refused.value.error_code == "forbidden"
