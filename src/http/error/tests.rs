use super::*;
use crate::domain::{ApiKeyId, ClientTokenId, Permission};
use crate::store::StoreError;

#[test]
fn every_error_has_a_listed_code_and_every_code_an_error() {
    let id = || ClientTokenId::parse("ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x").unwrap();
    let errors = [
        Error::AuthenticationMissing,
        Error::AuthenticationMalformed,
        Error::InvalidToken,
        Error::InvalidAdminToken,
        Error::InvalidClientToken,
        Error::TransactionPriceNotFound("pri_x".into()),
        Error::TransactionItemQuantityOutOfRange {
            quantity: 0,
            minimum: 1,
            maximum: 1,
        },
        Error::TransactionDiscountNotFound,
        Error::TransactionPriceDifferentBillingCycle,
        Error::TransactionImmutable("txn_x".into()),
        Error::CheckoutNotOpen {
            id: "che_x".into(),
            state: "completed".into(),
        },
        Error::Forbidden(Permission::ClientTokenWrite),
        Error::NotFound("x".into()),
        Error::InvalidField(vec![]),
        Error::Schema(vec![]),
        Error::InvalidJson,
        Error::BadRequest(""),
        Error::RequestTooLarge { limit: 1 },
        Error::RequestHeadersTooLarge { limit: 1 },
        Error::RequestTimeout,
        Error::ClientTokenRevoked(id()),
        Error::ApiKeyCannotBeRotated(ApiKeyId::parse("apikey_01hv8gz6y0m8m5f8q2y9f7kj3x").unwrap()),
        Error::NotThisKey,
        Error::InvalidUrl,
        Error::MethodNotAllowed,
        Error::NotImplemented,
        Error::ServiceUnavailable(StoreError::Corrupt(String::new())),
        Error::Internal("x".into()),
        Error::Injected503,
        Error::BadGateway,
        Error::TooManyRequests { retry_after: 1 },
    ];
    let mut rendered: Vec<&str> = errors.iter().map(|e| e.parts().2).collect();
    rendered.sort_unstable();
    rendered.dedup();
    let mut listed = CODES.to_vec();
    listed.sort_unstable();
    assert_eq!(rendered, listed);
}

#[test]
fn the_checkouts_refusals_name_what_they_refuse() {
    let not_open = Error::CheckoutNotOpen {
        id: "che_01kzvyz9e21z9vbhd7xqq3csyq".into(),
        state: "completed".into(),
    };
    let (status, _, code, detail) = not_open.parts();
    assert_eq!(
        (status, code, detail.as_str()),
        (
            StatusCode::CONFLICT,
            "checkout_not_open",
            "Checkout che_01kzvyz9e21z9vbhd7xqq3csyq is completed: it can't be changed."
        )
    );
    let immutable = Error::TransactionImmutable("txn_01kzvyz9e21z9vbhd7xqq3csyq".into());
    let (status, _, code, _) = immutable.parts();
    assert_eq!(
        (status, code),
        (StatusCode::BAD_REQUEST, "transaction_immutable")
    );
    assert_eq!(
        documentation_url(code),
        "https://developer.paddle.com/v1/errors/transactions/transaction_immutable"
    );
}

#[test]
fn documentation_urls_follow_paddles_responses() {
    assert_eq!(
        documentation_url("not_found"),
        "https://developer.paddle.com/v1/errors/shared/not_found"
    );
    assert_eq!(
        documentation_url("client_token_revoked"),
        "https://developer.paddle.com/v1/errors/client_tokens/client_token_revoked"
    );
    assert_eq!(
        documentation_url("api_key_cannot_be_rotated"),
        "https://developer.paddle.com/v1/errors/api_keys/api_key_cannot_be_rotated"
    );
    assert_eq!(
        documentation_url("invalid_client_token"),
        "https://developer.paddle.com/v1/errors/shared/invalid_client_token"
    );
    assert_eq!(
        documentation_url("transaction_price_not_found"),
        "https://developer.paddle.com/v1/errors/transactions/transaction_price_not_found"
    );
    assert_eq!(
        documentation_url("too_many_requests"),
        "https://developer.paddle.com/errors/shared/too_many_requests"
    );
}
