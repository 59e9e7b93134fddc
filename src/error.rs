//! paddock's one error type: every way a request can fail, in Paddle's
//! terms. The HTTP layer renders it as Paddle's error envelope, in one place
//! (`http::error`); the services and extractors return it.

use crate::domain::{ApiKeyId, ClientTokenId, FieldError, Permission, ValidationErrors};
use crate::store::StoreError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no Authorization header")]
    AuthenticationMissing,
    #[error("Authorization header is not `Bearer <api key>`")]
    AuthenticationMalformed,
    #[error("unknown, revoked or expired API key")]
    InvalidToken,
    #[error("wrong admin token")]
    InvalidAdminToken,
    /// A client-side token that is malformed, unknown, revoked, or for
    /// the other environment.
    #[error("unknown, revoked or other-environment client-side token")]
    InvalidClientToken,
    #[error("API key lacks {0}")]
    Forbidden(Permission),
    /// Names what wasn't found: a client token id, an account, a key id.
    #[error("no entity {0}")]
    NotFound(String),
    /// The body (or a query value) doesn't fit its schema: Paddle's
    /// `bad_request`, with one item per problem.
    #[error("request does not fit the schema")]
    Schema(Vec<FieldError>),
    /// Fits the schema but breaks a rule, such as a query value out of range.
    #[error("request does not pass validation")]
    InvalidField(Vec<FieldError>),
    #[error("body is not valid JSON")]
    InvalidJson,
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("body over {limit} bytes")]
    RequestTooLarge { limit: usize },
    #[error("request line and headers over {limit} bytes")]
    RequestHeadersTooLarge { limit: usize },
    #[error("body not received in time")]
    RequestTimeout,
    #[error("API key {0} is not rotatable")]
    ApiKeyCannotBeRotated(ApiKeyId),
    /// A key acting on another key's rotations.
    #[error("an API key may rotate only itself")]
    NotThisKey,
    #[error("client token {0} is revoked and can't be made active")]
    ClientTokenRevoked(ClientTokenId),
    /// Prices a preview named that the caller's account doesn't have (or
    /// has archived), as sent.
    #[error("prices not found: {0}")]
    TransactionPriceNotFound(String),
    #[error("quantity {quantity} outside {minimum}..={maximum}")]
    TransactionItemQuantityOutOfRange {
        quantity: i64,
        minimum: u32,
        maximum: u32,
    },
    #[error("discount not found")]
    TransactionDiscountNotFound,
    #[error("recurring prices with different billing cycles")]
    TransactionPriceDifferentBillingCycle,
    /// A checkout opened for a transaction that is paid or completed.
    #[error("transaction {0} is paid or completed")]
    TransactionImmutable(String),
    /// A write to a checkout that is completed or closed.
    #[error("checkout {id} is {state}")]
    CheckoutNotOpen { id: String, state: String },
    #[error("unknown path")]
    InvalidUrl,
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    #[error("unrecognised HTTP method")]
    NotImplemented,
    #[error("database unavailable")]
    ServiceUnavailable(#[source] StoreError),
    /// A 503 asked for through fault injection.
    #[error("injected service_unavailable")]
    Injected503,
    #[error("injected bad_gateway")]
    BadGateway,
    /// Paddle's rate limit, when emulated.
    #[error("rate limit exceeded")]
    TooManyRequests { retry_after: u64 },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<ValidationErrors> for Error {
    fn from(errors: ValidationErrors) -> Self {
        match errors {
            ValidationErrors::Schema(errors) => Self::Schema(errors),
            ValidationErrors::Rule(errors) => Self::InvalidField(errors),
        }
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => Self::ServiceUnavailable(error),
            other => Self::Internal(Box::new(other)),
        }
    }
}
