//! The test-mode checkout's browser routes: what paddock's `Paddle.Checkout`
//! and its checkout page call (Paddle's own are on its checkout service,
//! `POST /transaction-checkout`). Only the opening needs a client-side
//! token; after that the checkout's id is the capability, as Paddle's
//! follow-up calls carry no token. The page itself is in `page`.

mod page;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::http::header::ORIGIN;
use axum::routing::{get, post, put};

use super::AppState;
use super::client_auth::ClientTokenCaller;
use super::cors::CHECKOUT_PATH;
use super::envelope::Envelope;
use super::error::{Error, Result};
use super::extract::{IdPath, JsonObject, PathId, query_pairs};
use crate::domain::checkout::{
    Authentication, CardDetails, CheckoutId, CheckoutItem, CheckoutUpdate, CheckoutView,
    CustomerDetails, OpenCheckout,
};

impl PathId for CheckoutId {
    const PARAM: &'static str = "checkout_id";
    const INVALID: &'static str = "The checkout id in the path is not valid.";

    fn parse_segment(segment: &str) -> Option<Self> {
        Self::parse(segment)
    }
}

/// The routes, outside the emulation of Paddle's API limits and faults:
/// they stand for Paddle's checkout service, not its API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(CHECKOUT_PATH, post(open))
        .route(
            "/transaction-checkout/{checkout_id}",
            get(read).patch(update),
        )
        .route(
            "/transaction-checkout/{checkout_id}/customer",
            post(customer),
        )
        .route("/transaction-checkout/{checkout_id}/items", put(items))
        .route("/transaction-checkout/{checkout_id}/pay", post(pay))
        .route(
            "/transaction-checkout/{checkout_id}/authenticate",
            post(authenticate),
        )
        .route("/transaction-checkout/{checkout_id}/close", post(close))
        .route("/checkout/{checkout_id}", get(page::page))
        .route(page::SCRIPT_PATH, get(page::script))
        .route(page::STYLE_PATH, get(page::style))
}

/// `POST /transaction-checkout`: opens a checkout with the page's
/// client-side token; the page's `Origin` becomes the transaction's
/// `checkout.url`.
async fn open(
    State(state): State<AppState>,
    caller: ClientTokenCaller,
    headers: HeaderMap,
    JsonObject(body): JsonObject,
) -> Result<Envelope<CheckoutView>> {
    let request = OpenCheckout::from_json(&body)?;
    let origin = (headers.get(ORIGIN)).and_then(|value| value.to_str().ok());
    let view = (state.services.checkouts)
        .open(&caller.owner, request, origin)
        .await?;
    Ok(Envelope::created(view))
}

/// `GET /transaction-checkout/{checkout_id}?after=N`: the checkout, with
/// only the Paddle.js events after sequence `N` when `after` is given.
async fn read(
    State(state): State<AppState>,
    IdPath(id): IdPath<CheckoutId>,
    RawQuery(query): RawQuery,
) -> Result<Envelope<CheckoutView>> {
    let after = events_after(query.as_deref().unwrap_or_default())?;
    let view = state.services.checkouts.get(&id).await?;
    Ok(Envelope::ok(match after {
        Some(after) => view.events_after(after),
        None => view,
    }))
}

/// `after`, a sequence number; no other parameter is known.
fn events_after(query: &str) -> Result<Option<u64>> {
    let mut after = None;
    for (name, value) in query_pairs(query) {
        match name.as_str() {
            "after" => match value.parse::<u64>() {
                Ok(sequence) => after = Some(sequence),
                Err(_) => {
                    return Err(Error::BadRequest(
                        "after must be an event's sequence number.",
                    ));
                }
            },
            _ => return Err(Error::BadRequest("The only query parameter is after.")),
        }
    }
    Ok(after)
}

/// `POST /transaction-checkout/{checkout_id}/customer`
async fn customer(
    State(state): State<AppState>,
    IdPath(id): IdPath<CheckoutId>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<CheckoutView>> {
    let customer = CustomerDetails::from_json(&body)?;
    let view = (state.services.checkouts)
        .set_customer(&id, customer)
        .await?;
    Ok(Envelope::ok(view))
}

/// `PUT /transaction-checkout/{checkout_id}/items`: `Checkout.updateItems`.
async fn items(
    State(state): State<AppState>,
    IdPath(id): IdPath<CheckoutId>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<CheckoutView>> {
    let items = CheckoutItem::list_from_json(&body)?;
    let view = state.services.checkouts.update_items(&id, items).await?;
    Ok(Envelope::ok(view))
}

/// `PATCH /transaction-checkout/{checkout_id}`: `Checkout.updateCheckout`.
async fn update(
    State(state): State<AppState>,
    IdPath(id): IdPath<CheckoutId>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<CheckoutView>> {
    let update = CheckoutUpdate::from_json(&body)?;
    let view = state.services.checkouts.update(&id, update).await?;
    Ok(Envelope::ok(view))
}

/// `POST /transaction-checkout/{checkout_id}/pay`: a test card.
async fn pay(
    State(state): State<AppState>,
    IdPath(id): IdPath<CheckoutId>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<CheckoutView>> {
    let card = CardDetails::from_json(&body)?;
    let view = state.services.checkouts.pay(&id, card).await?;
    Ok(Envelope::ok(view))
}

/// `POST /transaction-checkout/{checkout_id}/authenticate`: the 3-D Secure
/// step, `{"data": {"outcome": "accept" | "refuse"}}`.
async fn authenticate(
    State(state): State<AppState>,
    IdPath(id): IdPath<CheckoutId>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<CheckoutView>> {
    let answer = Authentication::from_json(&body)?;
    let view = (state.services.checkouts)
        .authenticate(&id, answer.accepted)
        .await?;
    Ok(Envelope::ok(view))
}

/// `POST /transaction-checkout/{checkout_id}/close`: `Checkout.close`, sent
/// without a body (`keepalive`, as the page may be leaving).
async fn close(
    State(state): State<AppState>,
    IdPath(id): IdPath<CheckoutId>,
) -> Result<Envelope<CheckoutView>> {
    Ok(Envelope::ok(state.services.checkouts.close(&id).await?))
}
