//! `GET /`: Paddle's API root, which tells a caller which API answered and
//! who the caller is. Authentication is optional; a bad key is still a 403.

use axum::Router;
use axum::extract::State;
use axum::http::header::{ACCEPT, LOCATION};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::AppState;
use super::auth::Authenticated;
use super::envelope::Envelope;
use crate::domain::{Environment, Permission};

/// What `data.api` says, whoever asks.
pub const API_NAME: &str = "Paddle API";
/// Paddle's API version (the one `Paddle-Version` selects); a string, as
/// Paddle's reference types it.
pub const API_VERSION: &str = "1";
pub const DOCUMENTATION_URL: &str = "https://developer.paddle.com/api-reference/overview";

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(root))
}

#[derive(Serialize)]
struct ApiRoot {
    api: Api,
    caller: Caller,
}

#[derive(Serialize)]
struct Api {
    name: &'static str,
    version: &'static str,
    environment: &'static str,
    documentation_url: &'static str,
}

#[derive(Serialize)]
struct Caller {
    auth_type: Option<&'static str>,
    account: Option<Account>,
    permissions: Vec<Permission>,
}

/// paddock's accounts have names, not Paddle's `slr_` ids: the name is the id.
#[derive(Serialize)]
struct Account {
    id: String,
}

/// `GET /`: for a browser (HTML first in `Accept`), the dashboard when
/// the admin API is on; for API clients, the API root.
async fn root(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Option<Authenticated>,
) -> Response {
    if state.admin_token.is_some() && wants_html(&headers) {
        let location = format!("{}/", super::ui::UI);
        return (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response();
    }
    api_root(auth).into_response()
}

/// Whether the first media type `Accept` lists is `text/html`, as a
/// browser's navigation sends; API clients send JSON or `*/*`.
fn wants_html(headers: &HeaderMap) -> bool {
    (headers.get(ACCEPT))
        .and_then(|value| value.to_str().ok())
        .and_then(|accept| accept.split(',').next())
        .and_then(|first| first.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("text/html"))
}

fn api_root(auth: Option<Authenticated>) -> Envelope<ApiRoot> {
    // Paddle tells its environments apart by host; paddock serves both on
    // one, so the key decides, and a caller without one is in the sandbox
    // (the safe assumption for an emulator).
    let environment = auth
        .as_ref()
        .map_or(Environment::Sandbox, |auth| auth.key.environment);
    let caller = match auth {
        Some(auth) => Caller {
            auth_type: Some("api_key"),
            account: Some(Account {
                id: auth.key.account.clone(),
            }),
            permissions: auth.key.permissions.clone(),
        },
        None => Caller {
            auth_type: None,
            account: None,
            permissions: Vec::new(),
        },
    };
    Envelope::ok(ApiRoot {
        api: Api {
            name: API_NAME,
            version: API_VERSION,
            environment: environment_name(environment),
            documentation_url: DOCUMENTATION_URL,
        },
        caller,
    })
}

/// Paddle calls live `production` here, unlike in its keys (`live`).
fn environment_name(environment: Environment) -> &'static str {
    match environment {
        Environment::Sandbox => "sandbox",
        Environment::Live => "production",
    }
}
