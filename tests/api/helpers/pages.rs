//! A second web server for browser tests: a page on an origin of its own
//! (another port), as a frontend under test is, never paddock's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};

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
