//! A real HTTP server that receives notifications for a test, answering
//! with the statuses the test scripts.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::sync::mpsc;

use super::tls::{ServerIdentity, TlsListener};

/// One notification as it arrived.
pub struct Received {
    pub at: Instant,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

pub struct Receiver {
    pub url: String,
    received: mpsc::UnboundedReceiver<Received>,
    /// TLS handshakes that failed: connections whose client refused us.
    tls_rejections: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Script {
    statuses: Arc<Mutex<VecDeque<u16>>>,
    sender: mpsc::UnboundedSender<Received>,
}

impl Receiver {
    /// Answers the first requests with `statuses` in turn, then 200.
    pub async fn start(statuses: &[u16]) -> Self {
        Self::start_on(
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            statuses,
        )
    }

    /// As [`Receiver::start`], on a listener the test bound earlier.
    pub fn start_on(listener: tokio::net::TcpListener, statuses: &[u16]) -> Self {
        let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
        Self::serve(listener, url, statuses, Arc::default())
    }

    /// As [`Receiver::start`], over HTTPS with `identity`'s certificate, at
    /// `https://127.0.0.1:<port>/webhooks`.
    pub async fn start_tls(identity: ServerIdentity, statuses: &[u16]) -> Self {
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}/webhooks", tcp.local_addr().unwrap());
        let rejections = Arc::new(AtomicUsize::new(0));
        let listener = TlsListener::new(tcp, identity, rejections.clone());
        Self::serve(listener, url, statuses, rejections)
    }

    fn serve<L: axum::serve::Listener>(
        listener: L,
        url: String,
        statuses: &[u16],
        tls_rejections: Arc<AtomicUsize>,
    ) -> Self
    where
        L::Addr: std::fmt::Debug,
    {
        let (sender, received) = mpsc::unbounded_channel();
        let script = Script {
            statuses: Arc::new(Mutex::new(statuses.iter().copied().collect())),
            sender,
        };
        let app = Router::new()
            .route("/webhooks", post(receive))
            .with_state(script);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            received,
            tls_rejections,
        }
    }

    /// How many connections failed the TLS handshake: paddock refused the
    /// certificate.
    pub fn tls_rejections(&self) -> usize {
        self.tls_rejections.load(Ordering::SeqCst)
    }

    /// The next notification; fails the test after 15 s.
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(15), self.received.recv())
            .await
            .expect("a notification within 15 s")
            .expect("the receiver is running")
    }

    /// Asserts that nothing arrives for `wait`.
    pub async fn expect_nothing_for(&mut self, wait: Duration) {
        if let Ok(Some(received)) = tokio::time::timeout(wait, self.received.recv()).await {
            panic!(
                "unexpected notification: {}",
                String::from_utf8_lossy(&received.body)
            );
        }
    }
}

async fn receive(State(script): State<Script>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let status = script.statuses.lock().unwrap().pop_front().unwrap_or(200);
    let _ = script.sender.send(Received {
        at: Instant::now(),
        headers,
        body,
    });
    StatusCode::from_u16(status).unwrap()
}
