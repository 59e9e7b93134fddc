//! Past the connection cap (`PADDOCK_MAX_CONNECTIONS`): a new connection
//! takes the place of the one idle longest, and waits only while every open
//! one is serving a request. The flood drill: more idle keep-alive
//! connections than the cap allows, and ordinary clients are still served
//! within a second, with no more than the cap's worth served at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use paddock::app::ServeOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp, default_options};

const CAP: usize = 16;
/// Four times the cap: three quarters of the flood is past it.
const FLOOD: usize = 4 * CAP;
const ORDINARY_BOUND: Duration = Duration::from_secs(1);

fn request(key: &str) -> String {
    format!("GET /client-tokens HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer {key}\r\n\r\n")
}

/// Sends one request on a fresh connection and reads the status line.
async fn status_of_one(app: &TestApp, key: &str, limit: Duration) -> Option<u16> {
    let exchange = async {
        let mut stream = TcpStream::connect(app.address).await.ok()?;
        stream.write_all(request(key).as_bytes()).await.ok()?;
        let mut head = [0; 12];
        stream.read_exact(&mut head).await.ok()?;
        String::from_utf8_lossy(&head[9..12]).parse().ok()
    };
    tokio::time::timeout(limit, exchange).await.ok().flatten()
}

/// One flooding client: connects, sends a request, reads its answer, then
/// holds the connection idle until the server closes it. `open` counts the
/// flood's connections answered and not (yet) closed by the server.
async fn flood_one(app_address: std::net::SocketAddr, key: String, open: Arc<AtomicUsize>) {
    let Ok(mut stream) = TcpStream::connect(app_address).await else {
        return;
    };
    if stream.write_all(request(&key).as_bytes()).await.is_err() {
        return;
    }
    let mut buffer = [0; 4096];
    let mut answered = false;
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(_) if !answered => {
                answered = true;
                open.fetch_add(1, Ordering::SeqCst);
            }
            Ok(_) => {}
        }
    }
    if answered {
        open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Past the cap, idle keep-alive connections make room: an ordinary
/// request on a new connection is answered within a second, again and
/// again while the flood holds its connections, and the connections served
/// at once stay within the cap (so memory stays bounded).
#[tokio::test]
async fn past_the_connection_cap_idle_connections_make_room_for_ordinary_requests() {
    let options = ServeOptions {
        max_connections: CAP,
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let key = app.keys.sandbox.clone();
    let open = Arc::new(AtomicUsize::new(0));
    let flood: Vec<_> = (0..FLOOD)
        .map(|_| tokio::spawn(flood_one(app.address, key.clone(), open.clone())))
        .collect();
    // Let the flood land: its connections are open, the cap reached.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let started = Instant::now();
        let status = status_of_one(&app, &key, ORDINARY_BOUND).await;
        assert_eq!(
            status,
            Some(200),
            "an ordinary request past the cap was answered within {ORDINARY_BOUND:?}"
        );
        slowest = slowest.max(started.elapsed());
        let health = tokio::time::timeout(
            ORDINARY_BOUND,
            app.client
                .get(format!("http://{}/healthz", app.address))
                .send(),
        )
        .await;
        assert!(
            matches!(&health, Ok(Ok(response)) if response.status() == 200),
            "a health probe past the cap was answered within {ORDINARY_BOUND:?}: {health:?}"
        );
    }
    assert!(slowest < ORDINARY_BOUND, "slowest {slowest:?}");
    // Bounded: however many flooded, no more than the cap stay served.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let still_open = open.load(Ordering::SeqCst);
    assert!(
        still_open <= CAP,
        "{still_open} flood connections served at once past a cap of {CAP}"
    );
    for client in flood {
        client.abort();
    }
}

/// Reads a response's status line, then the rest of its head.
async fn status_line(stream: &mut TcpStream, limit: Duration) -> Option<u16> {
    let read = async {
        let mut received = Vec::new();
        let mut buffer = [0; 4096];
        while !received.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).await.ok()?;
            if n == 0 {
                return None;
            }
            received.extend_from_slice(&buffer[..n]);
        }
        String::from_utf8_lossy(&received[9..12]).parse().ok()
    };
    tokio::time::timeout(limit, read).await.ok().flatten()
}

/// While every open connection is in the middle of a request, a new one
/// waits, unserved, and the open ones are served; as soon as one of them is
/// idle, the new one takes its place (that one is closed).
#[tokio::test]
async fn past_the_connection_cap_a_new_connection_waits_while_all_are_busy() {
    let options = ServeOptions {
        max_connections: 2,
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let key = app.keys.sandbox.clone();
    let body = r#"{"name":"busy"}"#;
    let head = format!(
        "POST /client-tokens HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // Both open connections busy: their heads sent, their bodies not yet.
    let mut first = TcpStream::connect(app.address).await.unwrap();
    let mut other = TcpStream::connect(app.address).await.unwrap();
    first.write_all(head.as_bytes()).await.unwrap();
    other.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let mut waiting = TcpStream::connect(app.address).await.unwrap();
    waiting.write_all(request(&key).as_bytes()).await.unwrap();
    let early = status_line(&mut waiting, Duration::from_millis(300)).await;
    assert_eq!(early, None, "a connection past the cap was served");

    first.write_all(body.as_bytes()).await.unwrap();
    assert_eq!(status_line(&mut first, ORDINARY_BOUND).await, Some(201));
    assert_eq!(
        status_line(&mut waiting, ORDINARY_BOUND).await,
        Some(200),
        "served once an open connection was idle"
    );
    let closed = crate::hostile::read_until_closed(&mut first, ORDINARY_BOUND).await;
    assert!(closed.is_some(), "the idle connection made room");
    other.write_all(body.as_bytes()).await.unwrap();
    assert_eq!(status_line(&mut other, ORDINARY_BOUND).await, Some(201));
}
