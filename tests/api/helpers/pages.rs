//! A second web server for browser tests: a page on an origin of its own
//! (another port), as a frontend under test is, never paddock's; and what
//! tests do in such a page with paddock's Paddle.js stand-in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::Browser;

type Files = Arc<Mutex<HashMap<String, (&'static str, String)>>>;

/// Serves whatever the test puts at a path; 404 elsewhere.
pub struct Pages {
    /// `http://127.0.0.1:<port>`
    pub origin: String,
    files: Files,
    server: tokio::task::JoinHandle<()>,
}

impl Pages {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let files = Files::default();
        let app = Router::new().fallback(serve).with_state(files.clone());
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            origin,
            files,
            server,
        }
    }

    /// Serves `body` as HTML at `path`; returns its URL.
    pub fn html(&self, path: &str, body: impl Into<String>) -> String {
        self.put(path, "text/html; charset=utf-8", body.into())
    }

    /// Serves `body` as JavaScript at `path`; returns its URL.
    pub fn script(&self, path: &str, body: impl Into<String>) -> String {
        self.put(path, "text/javascript; charset=utf-8", body.into())
    }

    fn put(&self, path: &str, content_type: &'static str, body: String) -> String {
        let files = &mut self.files.lock().unwrap();
        files.insert(path.to_owned(), (content_type, body));
        format!("{}{path}", self.origin)
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(State(files): State<Files>, uri: Uri) -> Response {
    match files.lock().unwrap().get(uri.path()) {
        Some((content_type, body)) => {
            ([(CONTENT_TYPE, *content_type)], body.clone()).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Where paddock serves its Paddle.js stand-in.
pub const PADDLE_JS: &str = "/paddle/v2/paddle.js";

/// Keeps the page's console lines in `window.__logs`, before anything runs.
const CAPTURE_CONSOLE: &str = "<script>
window.__logs = [];
for (const level of ['debug', 'info', 'warn', 'error']) {
  const original = console[level].bind(console);
  console[level] = (...args) => { window.__logs.push(level + ': ' + args.join(' ')); original(...args); };
}
</script>";

/// A shop's page: `head` after the console's capture.
pub fn page(head: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Shop</title>\
         {CAPTURE_CONSOLE}{head}</head><body><h1>Shop</h1></body></html>"
    )
}

pub fn script_tag(src: &str) -> String {
    format!("<script src=\"{src}\"></script>")
}

/// Runs `call` (an expression, maybe a promise) in the page and tells how
/// it settled: `{"resolved": value}`, or `{"rejected": reason}` (an `Error`
/// as its `message`), or `{"thrown": message}` when it throws at once.
pub async fn settle(browser: &Browser, call: &str) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         let promise;
         try {{ promise = Promise.resolve({call}); }} catch (error) {{ return done({{ thrown: error.message }}); }}
         promise.then(
           (value) => done({{ resolved: value === undefined ? null : value }}),
           (error) => done({{ rejected: error instanceof Error ? {{ message: error.message }} : error }}));"
    );
    browser.execute_async(&script).await
}

/// The console lines the page logged since it loaded, in order.
pub async fn console_lines(browser: &Browser) -> Vec<String> {
    let lines = browser.execute("return window.__logs;").await;
    serde_json::from_value(lines).unwrap()
}
