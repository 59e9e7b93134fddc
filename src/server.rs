//! The connection loop. axum's own `serve` has no deadline for a request's
//! head, so a client trickling its headers (slowloris) could hold a
//! connection open forever; this loop serves each connection with hyper
//! directly, with that deadline, and drains connections on shutdown. It
//! also caps the connections served at once: past the cap, new ones wait in
//! the listen backlog until one closes, so a flood costs bounded memory; and
//! at the cap, connections that sit idle between requests are closed to make
//! room, so an ordinary client is not locked out by others' keep-alives.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};
use tower::ServiceExt;

use crate::http::Readiness;
use crate::memory::Trimmer;

/// hyper's own buffer for a request's head. paddock refuses heads over
/// [`crate::http::HEAD_LIMIT`] with Paddle's 431; hyper answers a bare 431
/// only to heads too large even to read, well beyond that.
const HEAD_BUFFER: usize = 256 * 1024;

/// How often connections are told again to make room while none is free.
const RETELL_WHILE_FULL: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` until `shutdown` completes, then waits for
/// the requests in flight (the caller bounds that wait). A connection made
/// while start-up runs waits for it (see `Readiness`) before it is read.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    readiness: Readiness,
    header_timeout: Duration,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        // hyper's default of 100 headers stays: any other number costs an
        // allocation per request. Past it, hyper answers a bare 431.
        .max_buf_size(HEAD_BUFFER);
    // The header timeout also closes a keep-alive connection left idle that
    // long. Saying so lets clients that read this header (Node's, so the
    // Node SDK) retire the connection first, instead of racing the close.
    let keep_alive = HeaderValue::try_from(format!(
        "timeout={}",
        header_timeout.as_secs().saturating_sub(1).max(1)
    ))
    .expect("digits are a valid header value");
    let cap = max_connections.clamp(1, u32::MAX as usize);
    let slots = Arc::new(Semaphore::new(cap));
    // Told to every connection to close once its request in flight (if
    // any) is answered: at the cap, to make room; at shutdown, to drain.
    let close = Arc::new(Notify::new());
    let draining = Arc::new(AtomicBool::new(false));
    let trimmer = Trimmer::start();
    tokio::pin!(shutdown);
    loop {
        // A slot first, then the connection: past the cap nothing is
        // accepted (nor allocated) until a connection closes. At the cap,
        // the connections idle between requests (keep-alive) close at once
        // and busy ones after their answer, so a new client is served
        // within a moment, not when a client chooses to leave.
        let slot = loop {
            if let Ok(slot) = slots.clone().try_acquire_owned() {
                break Some(slot);
            }
            // Told again while full: a connection that answers meanwhile
            // is idle next.
            close.notify_waiters();
            tokio::select! {
                slot = slots.clone().acquire_owned() => break Some(slot.expect("never closed")),
                () = tokio::time::sleep(RETELL_WHILE_FULL) => {}
                () = &mut shutdown => break None,
            }
        };
        let Some(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // The peer address is the client IP the rate limit counts.
        let keep_alive = keep_alive.clone();
        // Whether it has answered a request: only then is it closed to make
        // room (a fresh one may have a request on its way, unread).
        let answered = Arc::new(AtomicBool::new(false));
        let answering = answered.clone();
        let service = router
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            })
            .map_response(move |mut response: Response| {
                answering.store(true, Ordering::Relaxed);
                let headers = response.headers_mut();
                headers.insert(HeaderName::from_static("keep-alive"), keep_alive.clone());
                response
            });
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let trimmer = trimmer.clone();
        let readiness = readiness.clone();
        let close = close.clone();
        let draining = draining.clone();
        tokio::spawn(async move {
            // Made now, so that a close told from here on is not missed.
            let told = close.notified();
            tokio::pin!(told);
            if !readiness.is_ready() {
                readiness.wait_while_starting().await;
            }
            tokio::pin!(connection);
            let ended = loop {
                tokio::select! {
                    ended = connection.as_mut() => break ended,
                    () = &mut told => {
                        if answered.load(Ordering::Relaxed) || draining.load(Ordering::Relaxed) {
                            connection.as_mut().graceful_shutdown();
                            break connection.await;
                        }
                        told.set(close.notified());
                    }
                }
            };
            if let Err(error) = ended {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(slot);
            trimmer.connection_closed();
        });
    }
    drop(listener);
    draining.store(true, Ordering::Relaxed);
    close.notify_waiters();
    // Drained once every connection has given its slot back.
    let _ = slots.acquire_many(cap as u32).await;
}
