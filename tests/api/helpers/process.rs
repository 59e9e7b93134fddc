//! The real `paddock` binary as a child process, for what only a process
//! can show: being killed.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct Paddock {
    child: Child,
    pub address: SocketAddr,
}

impl Paddock {
    /// Starts `paddock` with `env` on a free port; returns once it listens.
    pub fn start(env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_paddock"));
        command
            .env_clear()
            .env("PADDOCK_LISTEN", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the paddock binary starts");
        let stderr = child.stderr.take().unwrap();
        let (sender, addresses) = mpsc::channel();
        // Keep reading so the pipe never fills; report the address once.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let address = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let _ = sender.send(address);
                }
            }
        });
        let address = addresses
            .recv_timeout(Duration::from_secs(30))
            .expect("paddock listens within 30 s")
            .parse()
            .unwrap();
        Self { child, address }
    }

    /// SIGKILL: no shutdown, no cleanup.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Paddock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Paddock {
    /// SIGTERM, as `docker compose down` sends, then waits for the exit.
    pub fn terminate(mut self) {
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("`kill` runs");
        assert!(sent.success(), "kill -TERM failed: {sent}");
        let until = std::time::Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                std::time::Instant::now() < until,
                "paddock still runs 20 s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
