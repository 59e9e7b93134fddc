//! The request journal: what an account's recognised requests were, and
//! what paddock answered, for test suites to verify against (as WireMock's
//! `/verify`). Entries never hold a secret: see `domain::redact`.

mod body;
mod filter;

use serde::Serialize;
use serde::ser::SerializeStruct;
use uuid::Uuid;

pub use body::{BODY_CAP, RecordedBody};
pub use filter::JournalFilter;

use super::{ApiKeyId, ClientTokenId, Timestamp};

/// What a request was recognised by: an API key, or a client-side token
/// (Paddle.js's previews). Never the secret itself, only its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    ApiKey(ApiKeyId),
    ClientToken(ClientTokenId),
}

impl Credential {
    pub fn api_key_id(&self) -> Option<&ApiKeyId> {
        match self {
            Self::ApiKey(id) => Some(id),
            Self::ClientToken(_) => None,
        }
    }

    pub fn client_token_id(&self) -> Option<&ClientTokenId> {
        match self {
            Self::ClientToken(id) => Some(id),
            Self::ApiKey(_) => None,
        }
    }

    /// The id, whichever kind it is.
    pub fn as_str(&self) -> &str {
        match self {
            Self::ApiKey(id) => id.as_str(),
            Self::ClientToken(id) => id.as_str(),
        }
    }
}

/// One request and its answer.
#[derive(Clone, Debug)]
pub struct JournalEntry {
    pub method: String,
    /// As sent, with any segment holding a secret redacted.
    pub path: String,
    /// The raw query string, with any secret redacted; `None` without one.
    pub query: Option<String>,
    pub status: u16,
    pub request_id: Uuid,
    /// Sent as `api_key_id` or `client_token_id`, the other `null`.
    pub credential: Credential,
    pub occurred_at: Timestamp,
    pub request_body: RecordedBody,
    pub response_body: RecordedBody,
}

impl Serialize for JournalEntry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut entry = serializer.serialize_struct("JournalEntry", 12)?;
        entry.serialize_field("method", &self.method)?;
        entry.serialize_field("path", &self.path)?;
        entry.serialize_field("query", &self.query)?;
        entry.serialize_field("status", &self.status)?;
        entry.serialize_field("request_id", &self.request_id)?;
        entry.serialize_field("api_key_id", &self.credential.api_key_id())?;
        entry.serialize_field("client_token_id", &self.credential.client_token_id())?;
        entry.serialize_field("occurred_at", &self.occurred_at)?;
        entry.serialize_field("request_body", &self.request_body)?;
        entry.serialize_field("request_body_truncated", &self.request_body.truncated())?;
        entry.serialize_field("response_body", &self.response_body)?;
        entry.serialize_field("response_body_truncated", &self.response_body.truncated())?;
        entry.end()
    }
}
