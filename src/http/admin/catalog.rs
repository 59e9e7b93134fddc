//! An account's catalog (products and prices, per environment) and its
//! tax rates: what previews price a cart with. Loaded, listed and set here;
//! Paddle's own `/products` and `/prices` API is not served.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::routing::get;

use crate::domain::{TaxRates, account_in_path, parse_catalog_query};
use crate::http::AppState;
use crate::http::auth::Admin;
use crate::http::envelope::Envelope;
use crate::http::error::Result;
use crate::http::extract::{DOCUMENT_LIMIT, JsonDocument, JsonObject, query_pairs};
use crate::service::{CatalogListing, TaxSetting};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/accounts/{account}/catalog",
            // A catalog may be far larger than any other body.
            get(list)
                .post(load)
                .layer(DefaultBodyLimit::max(DOCUMENT_LIMIT)),
        )
        .route("/accounts/{account}/tax", get(tax).put(set_tax))
}

/// `POST /__paddock/accounts/{account}/catalog`
/// `{"environment", "products": [...], "prices": [...]}`: adds them all, or
/// none; 201 with what was stored.
async fn load(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    document: JsonDocument,
) -> Result<Envelope<CatalogListing>> {
    let account = account_in_path(account)?;
    let listing = state
        .services
        .catalog
        .load(&account, &document.object)
        .await?;
    Ok(Envelope::created(listing))
}

/// `GET /__paddock/accounts/{account}/catalog?environment=live`: the
/// environment's products and prices (`sandbox` by default), in id order.
async fn list(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Envelope<CatalogListing>> {
    let pairs = query_pairs(query.as_deref().unwrap_or_default());
    let environment = parse_catalog_query(pairs.iter().map(|(k, v)| (&**k, &**v)))?;
    let listing = state.services.catalog.list(&account, environment).await?;
    Ok(Envelope::ok(listing))
}

/// `GET /__paddock/accounts/{account}/tax`: `{"rates": {"GB": "0.2"}}`.
async fn tax(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<TaxSetting>> {
    Ok(Envelope::ok(
        state.services.catalog.tax_setting(&account).await?,
    ))
}

/// `PUT /__paddock/accounts/{account}/tax` `{"rates": {"GB": "0.2"}}`:
/// replaces the account's rates (`{}`: none).
async fn set_tax(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<TaxSetting>> {
    let account = account_in_path(account)?;
    let rates = TaxRates::from_body(&body)?;
    Ok(Envelope::ok(
        state
            .services
            .catalog
            .set_tax_rates(&account, rates)
            .await?,
    ))
}
