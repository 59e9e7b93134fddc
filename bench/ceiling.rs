//! The HTTP ceiling for `bench/run.sh`: a bare axum server answering the
//! bench's requests with the same bytes paddock sends, doing nothing else
//! (no auth, no database). Not part of paddock.
//!
//! `CEILING_LISTEN` (address), `CEILING_ENTITY`, `CEILING_LIST` and
//! `CEILING_HEALTHZ` (files holding a real paddock `GET /client-tokens/{id}`,
//! list and `/healthz` response body).

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderName, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

/// The head paddock sends too, so that the two answers are the same bytes:
/// its request id headers (a fixed id here; paddock makes one per request)
/// and its keep-alive hint (for its default header timeout of 10 s).
fn json(status: StatusCode, body: Bytes) -> impl IntoResponse {
    const REQUEST_ID: &str = "00000000-0000-4000-8000-000000000000";
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (HeaderName::from_static("request-id"), REQUEST_ID),
            (HeaderName::from_static("x-request-id"), REQUEST_ID),
            (HeaderName::from_static("keep-alive"), "timeout=9"),
        ],
        body,
    )
}

#[tokio::main]
async fn main() {
    let read = |name: &str| {
        let path = std::env::var(name).unwrap_or_else(|_| panic!("{name} is required"));
        Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
    };
    let (entity, list) = (read("CEILING_ENTITY"), read("CEILING_LIST"));
    let healthz = read("CEILING_HEALTHZ");
    let address = std::env::var("CEILING_LISTEN").unwrap_or_else(|_| "127.0.0.1:0".into());

    let created = entity.clone();
    let fetched = entity.clone();
    let revoked = entity;
    let app = Router::new()
        .route(
            "/healthz",
            get(move || async move { json(StatusCode::OK, healthz.clone()) }),
        )
        .route(
            "/client-tokens",
            get(move || async move { json(StatusCode::OK, list.clone()) }).post(
                // Accepts the same body paddock does: read and parsed as JSON.
                move |body: Bytes| async move {
                    match serde_json::from_slice::<serde_json::Value>(&body) {
                        Ok(_) => json(StatusCode::CREATED, created.clone()).into_response(),
                        Err(_) => StatusCode::BAD_REQUEST.into_response(),
                    }
                },
            ),
        )
        .route(
            "/client-tokens/{id}",
            get(move || async move { json(StatusCode::OK, fetched.clone()) }).patch(
                move |body: Bytes| async move {
                    match serde_json::from_slice::<serde_json::Value>(&body) {
                        Ok(_) => json(StatusCode::OK, revoked.clone()).into_response(),
                        Err(_) => StatusCode::BAD_REQUEST.into_response(),
                    }
                },
            ),
        );
    let listener = tokio::net::TcpListener::bind(&address).await.unwrap();
    eprintln!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}

// The allocator paddock uses, so that the ceiling differs from paddock only
// in what paddock does (it changes the ceiling itself by less than the noise).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
