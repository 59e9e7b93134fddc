//! Form bodies (`application/x-www-form-urlencoded`), and turning them into
//! the JSON bodies the domain's parsers validate, so a form gets exactly
//! the API's rules and messages.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use super::layout::error_page;
use crate::http::AppState;

/// A form's fields in order; a checkbox group repeats its name.
pub struct FormData(Vec<(String, String)>);

impl FormData {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        (self.0.iter())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        (self.0.iter())
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// A text field as JSON: an empty or absent field is `null` when
    /// `nullable`, left out otherwise (so "required" reads as Paddle's).
    pub fn text_into(&self, body: &mut Map<String, Value>, name: &str, nullable: bool) {
        match self.get(name) {
            Some(value) if !value.is_empty() => {
                body.insert(name.to_owned(), Value::String(value.to_owned()));
            }
            _ if nullable => {
                body.insert(name.to_owned(), Value::Null);
            }
            _ => {}
        }
    }

    /// A checkbox group as a JSON list of strings.
    pub fn list_into(&self, body: &mut Map<String, Value>, name: &str) {
        let values = self
            .all(name)
            .into_iter()
            .map(|v| Value::String(v.to_owned()));
        body.insert(name.to_owned(), Value::Array(values.collect()));
    }
}

impl FromRequest<AppState> for FormData {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let read = tokio::time::timeout(state.body_timeout, Bytes::from_request(request, state));
        let bytes = match read.await {
            Ok(Ok(bytes)) => bytes,
            _ => {
                return Err(error_page(
                    StatusCode::BAD_REQUEST,
                    "The form could not be read.",
                ));
            }
        };
        Ok(Self(form_urlencoded::parse(&bytes).into_owned().collect()))
    }
}
