//! The dashboard: Paddle's Developer tools → Authentication pages, served
//! by paddock at `/__paddock/ui/` when the admin API is on. Server-rendered
//! HTML (maud, compiled in), one stylesheet, one small script for the copy
//! buttons; no framework, no CDN. Like the admin API's handlers, these
//! parse, call a service, render: every change goes through
//! `state.services`, so notifications, totals and caches follow.

mod accounts;
mod api_key;
mod api_keys;
mod catalog;
mod checkouts;
mod extract;
mod form;
mod layout;
mod notifications;
mod requests;
mod reveal;
mod rotations;
mod session;
mod setting_form;
mod tokens;
mod words;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, RETRY_AFTER, SET_COOKIE,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Extension, Router};
use maud::html;

use super::AppState;
use super::auth::judge_admin_token;
use super::client::ClientAddress;
use super::limiter::Verdict;
use extract::Posted;
use form::FormData;
use layout::{page, respond};
use session::{Sessions, Signed, see_other};

/// Where the dashboard lives.
pub const UI: &str = "/__paddock/ui";

/// What the dashboard keeps between requests: its sessions.
#[derive(Clone, Default)]
pub struct Dashboard {
    sessions: Arc<Sessions>,
}

/// Same-origin styles and script only; no frames, no plugins, forms post
/// only here.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn routes() -> Router<AppState> {
    let mut routes = Router::new()
        .route(UI, get(home))
        .route(&format!("{UI}/"), get(home))
        .route(&format!("{UI}/style.css"), get(style))
        .route(&format!("{UI}/copy.js"), get(script))
        .route(&format!("{UI}/favicon.svg"), get(favicon))
        // Anything else under the prefix: an HTML page, not the API's JSON.
        .route(&format!("{UI}/{{*rest}}"), any(not_found))
        .route(&format!("{UI}/sign-in"), get(sign_in_form).post(sign_in))
        .route(&format!("{UI}/sign-out"), post(sign_out));
    for section in [
        accounts::routes(),
        tokens::routes(),
        api_keys::routes(),
        notifications::routes(),
        catalog::routes(),
        checkouts::routes(),
        requests::routes(),
        reveal::routes(),
    ] {
        routes = routes.merge(section);
    }
    routes
        .layer(Extension(Dashboard::default()))
        .layer(middleware::from_fn(security_headers))
}

/// On every dashboard response, pages and errors alike.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Pages can show secrets: keep them out of caches and history.
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// A failure of a dashboard page, rendered as an HTML page.
pub struct PageError(Box<Response>);

impl From<crate::error::Error> for PageError {
    fn from(error: crate::error::Error) -> Self {
        use crate::error::Error;
        match &error {
            Error::Internal(cause) => tracing::error!(error = %cause, "dashboard request failed"),
            Error::ServiceUnavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable")
            }
            _ => {}
        }
        let (status, detail) = error.status_and_detail();
        Self(Box::new(layout::error_page(status, &detail)))
    }
}

impl From<Response> for PageError {
    fn from(response: Response) -> Self {
        Self(Box::new(response))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

pub type PageResult = Result<Response, PageError>;

async fn home(_: Signed) -> Response {
    see_other(&format!("{UI}/accounts"))
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("style.css"))
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("copy.js"))
}

async fn favicon() -> Response {
    asset("image/svg+xml", include_str!("favicon.svg"))
}

async fn not_found() -> Response {
    layout::error_page(
        StatusCode::NOT_FOUND,
        "There is no such page in this dashboard. Check the address, or start again from the dashboard.",
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

fn sign_in_page(status: StatusCode, error: Option<&str>) -> Response {
    let body = html! {
        form.card method="post" action={ (UI) "/sign-in" } {
            @if let Some(error) = error { p.error role="alert" id="sign-in-error" { (error) } }
            label for="token" { "Admin token" }
            p.hint { "The value of " code { "PADDOCK_ADMIN_TOKEN" } " on this server." }
            input #token type="password" name="token" autocomplete="current-password" required autofocus;
            button type="submit" { "Sign in" }
        }
    };
    respond(status, page("Sign in", None, None, body))
}

async fn sign_in_form() -> Response {
    sign_in_page(StatusCode::OK, None)
}

/// `POST sign-in`: the admin token, from a form on this dashboard's own
/// page. Wrong tokens count against the client's address with the admin
/// API's (see `http::limiter`): past the free ones, the address is refused
/// with 429 for a while, even with the right token.
async fn sign_in(
    Extension(dashboard): Extension<Dashboard>,
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    form: FormData,
) -> PageResult {
    if session::from_another_origin(&headers, state.links.public_url()) {
        tracing::info!(%client, "dashboard sign-in from another origin refused");
        return Ok(sign_in_page(
            StatusCode::FORBIDDEN,
            Some("Sign in from this dashboard's own page."),
        ));
    }
    let token = form.get("token").unwrap_or_default();
    match judge_admin_token(&state, client, token) {
        Verdict::Locked(wait) => {
            let mut response = sign_in_page(
                StatusCode::TOO_MANY_REQUESTS,
                Some("Too many wrong tokens from this address. Try again later."),
            );
            let seconds = Verdict::retry_after(wait);
            (response.headers_mut()).insert(RETRY_AFTER, HeaderValue::from(seconds));
            Ok(response)
        }
        Verdict::Wrong => Ok(sign_in_page(
            StatusCode::UNAUTHORIZED,
            Some("That is not this server's admin token."),
        )),
        Verdict::Admitted => {
            let id = dashboard.sessions.start();
            let mut response = see_other(&format!("{UI}/accounts"));
            (response.headers_mut()).insert(SET_COOKIE, session::session_cookie(&id));
            Ok(response)
        }
    }
}

async fn sign_out(
    Extension(dashboard): Extension<Dashboard>,
    headers: HeaderMap,
    _: Posted,
) -> PageResult {
    if let Some(id) = session::session_id(&headers) {
        dashboard.sessions.end(&id);
    }
    let mut response = see_other(&format!("{UI}/sign-in"));
    (response.headers_mut()).insert(SET_COOKIE, session::clearing_cookie());
    Ok(response)
}
