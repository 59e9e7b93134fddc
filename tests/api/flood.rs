//! Past the connection cap (`PADDOCK_MAX_CONNECTIONS`): a new connection
//! takes the place of the one idle longest, and waits only while every open
//! one is serving a request. The flood drill: more idle keep-alive
//! connections than the cap allows, and ordinary clients are still served
//! within a second, with no more than the cap's worth served at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use paddock::app::ServeOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp, default_options};

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
/// flood's connections answered and not (yet) closed by the server,
/// `answered` all it has had answered.
async fn flood_one(address: SocketAddr, open: Arc<AtomicUsize>, answered: Arc<AtomicUsize>) {
    let Ok(mut stream) = TcpStream::connect(address).await else {
        return;
    };
    let probe = "GET /healthz HTTP/1.1\r\nHost: p\r\n\r\n";
    if stream.write_all(probe.as_bytes()).await.is_err() {
        return;
    }
    let mut buffer = [0; 4096];
    let mut was_answered = false;
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(_) if !was_answered => {
                was_answered = true;
                open.fetch_add(1, Ordering::SeqCst);
                answered.fetch_add(1, Ordering::SeqCst);
            }
            Ok(_) => {}
        }
    }
    if was_answered {
        open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Past the cap, idle keep-alive connections make room: an ordinary
/// request on a new connection is answered within a second, again and
/// again while the flood holds its connections, and the connections served
/// at once stay within the cap (so memory stays bounded). A small cap
/// flooded four times over, and the default cap (1,024) three times over.
#[tokio::test]
async fn past_the_connection_cap_idle_connections_make_room_for_ordinary_requests() {
    flood_drill(16, 4).await;
}

#[tokio::test]
async fn with_the_default_cap_a_flood_leaves_ordinary_requests_served_within_a_second() {
    let cap = ServeOptions::default().max_connections;
    assert_eq!(cap, 1024);
    flood_drill(cap, 3).await;
}

async fn flood_drill(cap: usize, times: usize) {
    let options = ServeOptions {
        max_connections: cap,
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let key = app.keys.sandbox.clone();
    let (open, answered) = (Arc::default(), Arc::new(AtomicUsize::new(0)));
    let flood: Vec<_> = (0..cap * times)
        .map(|_| tokio::spawn(flood_one(app.address, Arc::clone(&open), answered.clone())))
        .collect();
    // Let the flood land: the cap full, and (given time) every connection
    // of it answered once, those past the cap having made room in turn.
    let landing = Instant::now() + Duration::from_secs(10);
    while answered.load(Ordering::SeqCst) < cap * times && Instant::now() < landing {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        answered.load(Ordering::SeqCst) >= cap,
        "the flood never filled the cap"
    );
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
    eprintln!(
        "cap {cap}, flood {}: slowest ordinary request {slowest:?}",
        cap * times
    );
    assert!(slowest < ORDINARY_BOUND, "slowest {slowest:?}");
    // Bounded: however many flooded, no more than the cap stay served.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let still_open = open.load(Ordering::SeqCst);
    assert!(
        still_open <= cap,
        "{still_open} flood connections served at once past a cap of {cap}"
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

/// Past the cap, with every open connection busy, a burst of new ones
/// still connects at once: they wait in a listen backlog deep enough for
/// them (at 128, the kernel drops the rest's handshakes, and their clients
/// retry after a second, then three).
#[tokio::test]
async fn past_the_connection_cap_a_burst_of_connections_fits_the_listen_backlog() {
    let options = ServeOptions {
        max_connections: 1,
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    // The one connection busy: its head sent, its body not.
    let mut busy = TcpStream::connect(app.address).await.unwrap();
    let head = format!(
        "POST /client-tokens HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\n\r\n",
        app.keys.sandbox
    );
    busy.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let burst: Vec<_> = (0..400)
        .map(|_| {
            let address = app.address;
            tokio::spawn(async move {
                let connecting = TcpStream::connect(address);
                tokio::time::timeout(Duration::from_millis(500), connecting).await
            })
        })
        .collect();
    let mut connected = Vec::new();
    for attempt in burst {
        match attempt.await.unwrap() {
            Ok(Ok(stream)) => connected.push(stream),
            other => panic!("after {} connections: {other:?}", connected.len()),
        }
    }
}
