//! Paddle behaviours paddock emulates on demand, for testing clients'
//! resilience: Paddle's rate limit, and injected faults. Both are off unless
//! configured, and apply only to the Paddle API (not health, metrics, admin).
//! `Paddock-Delay` holds only requests made with a valid API key (or, on
//! the previews, client-side token).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::client::client_address;
use super::client_auth::is_recognised;
use super::error::Error;

/// Paddle's window and lockout.
const WINDOW: Duration = Duration::from_secs(60);
const LOCKOUT: Duration = Duration::from_secs(60);
/// The longest delay a request may ask for.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// An error a fault can answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumString)]
#[strum(
    serialize_all = "snake_case",
    parse_err_ty = String,
    parse_err_fn = unknown_fault
)]
pub enum Fault {
    InternalError,
    BadGateway,
    ServiceUnavailable,
    TooManyRequests,
}

fn unknown_fault(text: &str) -> String {
    format!(
        "unknown fault `{text}` (expected internal_error, bad_gateway, service_unavailable or too_many_requests)"
    )
}

impl Fault {
    fn error(self) -> Error {
        match self {
            Self::InternalError => Error::Internal("injected fault".into()),
            Self::BadGateway => Error::BadGateway,
            Self::ServiceUnavailable => Error::Injected503,
            Self::TooManyRequests => Error::TooManyRequests { retry_after: 1 },
        }
    }
}

/// What to emulate.
#[derive(Clone, Debug, Default)]
pub struct Emulation {
    /// Requests a client IP may make per minute; `None` for no limit.
    pub rate_limit: Option<u32>,
    /// Honour `Paddock-Fault` and `Paddock-Delay` request headers.
    pub fault_headers: bool,
    /// The share of requests (0 to 1) answered with `fault` at random.
    pub fault_rate: f64,
    pub fault: Option<Fault>,
}

#[derive(Debug)]
struct Client {
    window_start: Instant,
    requests: u32,
    locked_until: Option<Instant>,
}

/// Paddle's limit: past `limit` requests in a minute an IP is refused with
/// 429 for 60 seconds.
#[derive(Debug, Default)]
pub struct RateLimiter {
    clients: Mutex<HashMap<IpAddr, Client>>,
}

impl RateLimiter {
    /// `Err(seconds to wait)` when `ip` is over `limit`.
    fn check(&self, ip: IpAddr, limit: u32, now: Instant) -> Result<(), u64> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if clients.len() > 100_000 {
            clients.retain(|_, c| {
                now.duration_since(c.window_start) < WINDOW
                    || c.locked_until.is_some_and(|t| t > now)
            });
        }
        let client = clients.entry(ip).or_insert(Client {
            window_start: now,
            requests: 0,
            locked_until: None,
        });
        if let Some(until) = client.locked_until {
            if until > now {
                return Err((until - now).as_secs_f64().ceil() as u64);
            }
            client.locked_until = None;
            client.window_start = now;
            client.requests = 0;
        }
        if now.duration_since(client.window_start) >= WINDOW {
            client.window_start = now;
            client.requests = 0;
        }
        client.requests += 1;
        if client.requests > limit {
            client.locked_until = Some(now + LOCKOUT);
            return Err(LOCKOUT.as_secs());
        }
        Ok(())
    }
}

/// Middleware for the Paddle API routes.
pub async fn emulate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let emulation = &state.emulation;
    if let Some(limit) = emulation.rate_limit {
        let ip = client_address(
            request.extensions(),
            request.headers(),
            &state.trusted_proxies,
        );
        if let Err(retry_after) = state.rate_limiter.check(ip, limit, Instant::now()) {
            return Error::TooManyRequests { retry_after }.into_response();
        }
    }
    if emulation.fault_headers {
        // Owned copies: nothing may borrow the request across the sleep.
        let (delay, fault) = (
            header(&request, "paddock-delay"),
            header(&request, "paddock-fault"),
        );
        if let Some(delay) = delay {
            let Ok(millis) = delay.parse::<u64>() else {
                return Error::BadRequest("Paddock-Delay must be a number of milliseconds.")
                    .into_response();
            };
            // Only for a valid key or client-side token: else anyone could
            // hold connections open. The handler judges it again, as it
            // would without a delay.
            let (mut parts, body) = request.into_parts();
            let recognised = is_recognised(&mut parts, &state).await;
            request = Request::from_parts(parts, body);
            if recognised {
                tokio::time::sleep(Duration::from_millis(millis).min(MAX_DELAY)).await;
            }
        }
        if let Some(fault) = fault {
            return match fault.parse::<Fault>() {
                Ok(fault) => fault.error().into_response(),
                Err(_) => Error::BadRequest(
                    "Paddock-Fault must be internal_error, bad_gateway, service_unavailable or too_many_requests.",
                )
                .into_response(),
            };
        }
    }
    if let Some(fault) = emulation.fault {
        let unlucky = emulation.fault_rate > 0.0 && rand::random::<f64>() < emulation.fault_rate;
        if unlucky {
            return fault.error().into_response();
        }
    }
    next.run(request).await
}

fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_an_ip_out_for_a_minute_past_the_limit() {
        let limiter = RateLimiter::default();
        let (a, b) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(a, 3, start), Ok(()));
        }
        assert_eq!(limiter.check(a, 3, start), Err(60));
        assert_eq!(limiter.check(b, 3, start), Ok(()), "per IP");
        assert_eq!(limiter.check(a, 3, start + Duration::from_secs(59)), Err(1));
        assert_eq!(limiter.check(a, 3, start + Duration::from_secs(61)), Ok(()));
    }

    #[test]
    fn parses_fault_names() {
        for (name, fault) in [
            ("internal_error", Fault::InternalError),
            ("bad_gateway", Fault::BadGateway),
            ("service_unavailable", Fault::ServiceUnavailable),
            ("too_many_requests", Fault::TooManyRequests),
        ] {
            assert_eq!(name.parse(), Ok(fault));
        }
        assert_eq!(
            "BadGateway".parse::<Fault>(),
            Err("unknown fault `BadGateway` (expected internal_error, bad_gateway, service_unavailable or too_many_requests)".to_owned())
        );
    }

    #[test]
    fn a_new_window_starts_every_minute() {
        let limiter = RateLimiter::default();
        let ip = "127.0.0.1".parse().unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(ip, 3, start), Ok(()));
        }
        assert_eq!(limiter.check(ip, 3, start + WINDOW), Ok(()));
    }
}
