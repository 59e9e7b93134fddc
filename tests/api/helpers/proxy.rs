//! A TCP proxy a test can sever and restore: a database outage on demand.
//! It can also fall silent (a network that drops every packet), or lose
//! what one connection sends or is answered once a given text goes by.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Open,
    /// Connections dropped, new ones hung up on.
    Severed,
    /// As a stopped server: connections dropped, new ones refused (the
    /// port is closed).
    Stopped,
    /// Nothing forwarded and nothing refused: connections stay open, silent.
    Silent,
}

/// What to lose, on the first connection whose client sends `marker`.
#[derive(Clone, Debug)]
pub enum Trap {
    /// The server gets what was sent but its answers are lost; the
    /// connection is cut 300 ms later.
    LoseReply(Vec<u8>),
    /// What was sent is lost; the connection is cut 100 ms later.
    LoseRequest(Vec<u8>),
}

impl Trap {
    fn marker(&self) -> &[u8] {
        match self {
            Self::LoseReply(marker) | Self::LoseRequest(marker) => marker,
        }
    }
}

pub struct Proxy {
    pub address: SocketAddr,
    mode: watch::Sender<Mode>,
    trap: Arc<Mutex<Option<Trap>>>,
    /// Set once a trap has been sprung.
    sprung: watch::Sender<bool>,
}

impl Proxy {
    /// Forwards connections on a new local port to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (mode, _) = watch::channel(Mode::Open);
        let (sprung, _) = watch::channel(false);
        let trap = Arc::new(Mutex::new(None));
        let (watcher, traps, springs) = (mode.clone(), trap.clone(), sprung.clone());
        tokio::spawn(async move {
            let mut listener = listener;
            let mut modes = watcher.subscribe();
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = async { modes.wait_for(|mode| *mode == Mode::Stopped).await.is_ok() } => {
                        drop(listener);
                        let _ = modes.wait_for(|mode| *mode != Mode::Stopped).await;
                        listener = TcpListener::bind(address).await.unwrap();
                        continue;
                    }
                };
                let Ok((client, _)) = accepted else { return };
                let state = watcher.subscribe();
                let (trap, sprung) = (traps.clone(), springs.clone());
                tokio::spawn(forward(client, target, state, trap, sprung));
            }
        });
        Self {
            address,
            mode,
            trap,
            sprung,
        }
    }

    /// Drops every connection and refuses new ones.
    pub fn sever(&self) {
        self.mode.send_replace(Mode::Severed);
    }

    /// Drops every connection and closes the port, as a stopped database
    /// server does: new connections are refused.
    pub fn stop(&self) {
        self.mode.send_replace(Mode::Stopped);
    }

    /// Forwards nothing more, and answers no new connection, without
    /// closing any: packets silently dropped.
    pub fn silence(&self) {
        self.mode.send_replace(Mode::Silent);
    }

    /// Forwards again (connections held silent are dropped).
    pub fn restore(&self) {
        self.mode.send_replace(Mode::Open);
    }

    /// Arms `trap` for the next connection whose client sends its marker.
    pub fn arm(&self, trap: Trap) {
        self.sprung.send_replace(false);
        *self.trap.lock().unwrap() = Some(trap);
    }

    /// Whether the armed trap was sprung.
    pub fn sprung(&self) -> bool {
        *self.sprung.borrow()
    }
}

async fn forward(
    mut client: TcpStream,
    target: SocketAddr,
    mut state: watch::Receiver<Mode>,
    trap: Arc<Mutex<Option<Trap>>>,
    sprung: watch::Sender<bool>,
) {
    let mode = *state.borrow_and_update();
    match mode {
        Mode::Open => {}
        Mode::Severed | Mode::Stopped => return, // hang up at once
        Mode::Silent => {
            let _ = state.wait_for(|mode| *mode != Mode::Silent).await;
            return;
        }
    }
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    let (mut up, mut down) = (vec![0; 64 * 1024], vec![0; 64 * 1024]);
    // The end of what the client sent last, for a marker split across reads.
    let mut tail: Vec<u8> = Vec::new();
    let mut losing_replies = false;
    let mut cut_at: Option<Instant> = None;
    let silent = loop {
        let cut = async {
            match cut_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            read = client.read(&mut up) => {
                let Ok(n @ 1..) = read else { return };
                let chunk = &up[..n];
                let mut seen = std::mem::take(&mut tail);
                seen.extend_from_slice(chunk);
                let sprang = {
                    let mut armed = trap.lock().unwrap();
                    let hit = armed.as_ref().is_some_and(|trap| contains(&seen, trap.marker()));
                    if hit { armed.take() } else { None }
                };
                tail = seen[seen.len().saturating_sub(256)..].to_vec();
                match sprang {
                    Some(Trap::LoseReply(_)) => {
                        sprung.send_replace(true);
                        if server.write_all(chunk).await.is_err() { return }
                        losing_replies = true;
                        cut_at = Some(Instant::now() + Duration::from_millis(300));
                    }
                    Some(Trap::LoseRequest(_)) => {
                        sprung.send_replace(true);
                        losing_replies = true;
                        cut_at = Some(Instant::now() + Duration::from_millis(100));
                    }
                    None if losing_replies => {}
                    None => if server.write_all(chunk).await.is_err() { return },
                }
            }
            read = server.read(&mut down) => {
                let Ok(n @ 1..) = read else { return };
                if !losing_replies && client.write_all(&down[..n]).await.is_err() {
                    return;
                }
            }
            silent = async {
                let changed = state.wait_for(|mode| *mode != Mode::Open).await;
                changed.is_ok_and(|mode| *mode == Mode::Silent)
            } => break silent,
            () = cut => return,
        }
    };
    if silent {
        // Held open, forwarding nothing, until the network is back.
        let _ = state.wait_for(|mode| *mode != Mode::Silent).await;
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
