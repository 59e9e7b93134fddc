//! The connection loop. axum's own `serve` has no deadline for a request's
//! head, so a client trickling its headers (slowloris) could hold a
//! connection open forever; this loop serves each connection with hyper
//! directly, with that deadline, and drains connections on shutdown. It
//! also caps the connections served at once, so a flood costs bounded
//! memory: past the cap, a new connection takes the place of the one idle
//! longest (see [`connections`]), and waits only while none is idle.

mod connections;

use std::future::Future;
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
use tower::ServiceExt;

use self::connections::Connections;
use crate::http::Readiness;
use crate::memory::Trimmer;

/// hyper's own buffer for a request's head. paddock refuses heads over
/// [`crate::http::HEAD_LIMIT`] with Paddle's 431; hyper answers a bare 431
/// only to heads too large even to read, well beyond that.
const HEAD_BUFFER: usize = 256 * 1024;

/// The least listen backlog: room for a burst of new connections while
/// the ones they replace close (the kernel caps it at `somaxconn`).
const LEAST_BACKLOG: usize = 4096;

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
    let connections = Connections::new(max_connections);
    // Re-listening sets a listening socket's backlog (Linux, the BSDs).
    let backlog = i32::try_from(max_connections.max(LEAST_BACKLOG)).unwrap_or(i32::MAX);
    if let Err(error) = socket2::SockRef::from(&listener).listen(backlog) {
        tracing::warn!(%error, "could not set the listen backlog");
    }
    let trimmer = Trimmer::start();
    tokio::pin!(shutdown);
    loop {
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
        // Past the cap, one connection waits here (nothing is read from
        // it) while an idle one makes room; the rest wait in the backlog.
        let slot = tokio::select! {
            slot = connections.slot() => slot,
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let keep_alive = keep_alive.clone();
        let (starting, answered, state) = (slot.connection(), slot.connection(), slot.connection());
        let service = router
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                starting.busy();
                // The peer address is the client IP the rate limit counts.
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            })
            .map_response(move |mut response: Response| {
                answered.idle();
                let headers = response.headers_mut();
                headers.insert(HeaderName::from_static("keep-alive"), keep_alive.clone());
                response
            });
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let trimmer = trimmer.clone();
        let readiness = readiness.clone();
        tokio::spawn(async move {
            if !readiness.is_ready() {
                readiness.wait_while_starting().await;
            }
            let mut connection = std::pin::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                () = state.asked_to_close() => {
                    // At once if idle, else after the request it serves.
                    connection.as_mut().graceful_shutdown();
                    connection.await
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
    connections.close_all().await;
}
