//! The catalog of an account's environment, read-only: its products, each
//! with its prices, and the account's tax rates. Loaded through the admin
//! API (`POST /__paddock/accounts/{account}/catalog`).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use maud::{Markup, html};

use super::extract::PathOwner;
use super::layout::{Place, Section, page, respond};
use super::session::Signed;
use super::{PageResult, UI};
use crate::domain::{CatalogStatus, Money, Price};
use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    let base = format!("{UI}/accounts/{{account}}/{{environment}}");
    Router::new().route(&format!("{base}/catalog"), get(list))
}

async fn list(
    State(state): State<AppState>,
    signed: Signed,
    PathOwner(owner): PathOwner,
) -> PageResult {
    let catalog = &state.services.catalog;
    let listing = catalog.list(&owner.account, owner.environment).await?;
    let rates = catalog.tax_rates(&owner).await?;
    let products = &listing.catalog.products;
    let prices = &listing.catalog.prices;
    let body = html! {
        p.muted { "What previews price a cart against: products and their prices, loaded through the admin API (read-only here)." }
        @if products.is_empty() {
            p.muted #no-products { "No products in this environment." }
        }
        @for product in products {
            section.product id=(product.id.as_str()) {
                h2 { (product.name) " " (status(product.status)) }
                p { code { (product.id.as_str()) } " · " (product.tax_category.as_str())
                    @if let Some(description) = &product.description { " · " (description) } }
                @let own: Vec<&Price> = prices.iter().filter(|p| p.product_id == product.id).collect();
                @if own.is_empty() {
                    p.muted { "No prices." }
                } @else {
                    div.table-wrap { (price_table(&own)) }
                }
            }
        }
        section #tax-rates {
            h2 { "Tax rates" }
            @if rates.is_empty() {
                p.muted { "None: no country is taxed. Set them with " code { "PUT /__paddock/accounts/{account}/tax" } "." }
            } @else {
                div.table-wrap {
                    table {
                        thead { tr { th { "Country" } th { "Rate" } } }
                        tbody {
                            @for (country, rate) in rates.iter() {
                                tr { td data-label="Country" { (country.as_str()) } td data-label="Rate" { (rate) } }
                            }
                        }
                    }
                }
            }
        }
    };
    let place = Place {
        account: &owner.account,
        environment: owner.environment,
        section: Section::Catalog,
    };
    Ok(respond(
        StatusCode::OK,
        page("Catalog", Some(&signed.csrf), Some(&place), body),
    ))
}

fn price_table(prices: &[&Price]) -> Markup {
    html! {
        table.prices {
            thead { tr { th { "Price" } th { "Unit price" } th { "Billing" } th { "Quantity" } th { "Tax mode" } th { "Status" } } }
            tbody {
                @for price in prices {
                    tr id=(price.id.as_str()) {
                        td data-label="Price" {
                            strong { (price.name.as_deref().unwrap_or(&price.description)) } br;
                            code { (price.id.as_str()) }
                        }
                        td data-label="Unit price" {
                            (money(&price.unit_price))
                            @for over in &price.unit_price_overrides {
                                br;
                                span.muted {
                                    (over.country_codes.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "))
                                    ": " (money(&over.unit_price))
                                }
                            }
                        }
                        td data-label="Billing" {
                            @match &price.billing_cycle {
                                Some(cycle) => { "every " (cycle.frequency) " " (cycle.interval.as_str()) }
                                None => { "one-time" }
                            }
                            @if let Some(trial) = &price.trial_period {
                                br; span.muted { "trial " (trial.frequency) " " (trial.interval.as_str()) }
                            }
                        }
                        td data-label="Quantity" { (price.quantity.minimum) "–" (price.quantity.maximum) }
                        td data-label="Tax mode" { (price.tax_mode.as_str()) }
                        td data-label="Status" { (status(price.status)) }
                    }
                }
            }
        }
    }
}

fn status(status: CatalogStatus) -> Markup {
    html! { span.badge.(status.as_str()) { (status.as_str()) } }
}

/// `5.00 USD`, `1200 JPY`: the amount in the currency's major unit, exact.
fn money(money: &Money) -> String {
    let (amount, places) = (
        money.amount.minor_units(),
        money.currency_code.decimal_places(),
    );
    let currency = money.currency_code.as_str();
    match places {
        0 => format!("{amount} {currency}"),
        _ => {
            let unit = 10u64.pow(places);
            let (major, minor) = (amount / unit, amount % unit);
            format!(
                "{major}.{minor:0width$} {currency}",
                width = places as usize
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Amount, CurrencyCode};

    #[test]
    fn amounts_are_shown_in_major_units_exactly() {
        let at = |minor, currency_code| Money {
            amount: Amount::new(minor).unwrap(),
            currency_code,
        };
        assert_eq!(money(&at(500, CurrencyCode::Usd)), "5.00 USD");
        assert_eq!(money(&at(7, CurrencyCode::Gbp)), "0.07 GBP");
        assert_eq!(money(&at(1200, CurrencyCode::Jpy)), "1200 JPY");
    }
}
