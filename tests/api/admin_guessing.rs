//! Guessing the admin token: wrong tokens on the admin API and at the
//! dashboard's sign-in count together, per client address; past the free
//! ones the address is refused with 429, even with the right token, while
//! a teammate at another address gets in. (The limiter's clock, backoff and
//! bounds are unit-tested in `http::limiter`.)

use paddock::app::ServeOptions;
use paddock::http::TrustedProxies;
use reqwest::header::{LOCATION, RETRY_AFTER, SET_COOKIE};
use reqwest::{RequestBuilder, Response, StatusCode};

use crate::helpers::{
    ADMIN_TOKEN, Backend, Dashboard, TestApp, UI, default_options, expect_data, expect_error,
    expect_wrong_admin_token,
};

/// Wrong tokens an address may send before it is locked out.
const FREE: usize = 5;

const LIMITED: &str = "IP address exceeded the allowed rate limit. Retry after the number of seconds in the Retry-After header.";

fn accounts(app: &TestApp, token: &str) -> RequestBuilder {
    app.client
        .get(app.url("/__paddock/accounts"))
        .bearer_auth(token)
}

fn sign_in(app: &TestApp, token: &str) -> RequestBuilder {
    Dashboard::new(app)
        .client
        .post(app.url(&format!("{UI}/sign-in")))
        .form(&[("token", token)])
}

/// A 429 in Paddle's shape, with the lockout's `Retry-After`: the first
/// lockout is 10 s.
async fn expect_locked(response: Response) {
    let retry_after: u64 = response.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    expect_error(
        response,
        StatusCode::TOO_MANY_REQUESTS,
        "api_error",
        "too_many_requests",
        LIMITED,
    )
    .await;
}

/// The dashboard's 429: its sign-in page again, with `Retry-After`.
async fn expect_sign_in_locked(response: Response) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert!(response.headers().contains_key(RETRY_AFTER));
    let page = response.text().await.unwrap();
    assert!(page.contains("Too many wrong tokens"), "{page}");
}

#[tokio::test]
async fn wrong_tokens_on_the_api_and_at_sign_in_count_together() {
    // Admin API first, then the dashboard.
    let app = TestApp::spawn(Backend::Sqlite).await;
    for _ in 0..3 {
        expect_wrong_admin_token(accounts(&app, "wrong-admin-token").send().await.unwrap()).await;
    }
    for _ in 3..FREE {
        let wrong = sign_in(&app, "wrong-admin-token").send().await.unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    expect_locked(accounts(&app, ADMIN_TOKEN).send().await.unwrap()).await;
    expect_sign_in_locked(sign_in(&app, ADMIN_TOKEN).send().await.unwrap()).await;

    // The dashboard first, then the admin API.
    let app = TestApp::spawn(Backend::Sqlite).await;
    for _ in 0..FREE {
        let wrong = sign_in(&app, "wrong-admin-token").send().await.unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    expect_locked(accounts(&app, ADMIN_TOKEN).send().await.unwrap()).await;
    expect_locked(accounts(&app, "wrong-admin-token").send().await.unwrap()).await;
}

#[tokio::test]
async fn a_burst_of_guesses_learns_only_the_free_answers() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let guesses = (0..40).map(|n| accounts(&app, &format!("guess-{n}")).send());
    let answers = futures_statuses(guesses).await;
    let wrong = answers.iter().filter(|s| **s == StatusCode::FORBIDDEN);
    let limited = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(wrong.count(), FREE, "{answers:?}");
    assert_eq!(limited.count(), 40 - FREE, "{answers:?}");
}

/// Sends all at once; their statuses.
async fn futures_statuses(
    requests: impl Iterator<Item = impl Future<Output = reqwest::Result<Response>> + Send + 'static>,
) -> Vec<StatusCode> {
    let tasks: Vec<_> = requests.map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().unwrap().status());
    }
    statuses
}

#[tokio::test]
async fn a_teammate_behind_a_trusted_proxy_gets_in_while_a_guesser_is_locked_out() {
    let options = ServeOptions {
        trusted_proxies: TrustedProxies::parse("127.0.0.1").unwrap(),
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let guesser = "203.0.113.7";
    for _ in 0..FREE {
        let guess = accounts(&app, "wrong-admin-token").header("x-forwarded-for", guesser);
        expect_wrong_admin_token(guess.send().await.unwrap()).await;
    }
    let from = |client: &str| accounts(&app, ADMIN_TOKEN).header("x-forwarded-for", client);
    expect_locked(from(guesser).send().await.unwrap()).await;
    // What the client wrote itself is left of what the proxy added.
    let spoofed = format!("203.0.113.8, {guesser}");
    expect_locked(from(&spoofed).send().await.unwrap()).await;

    let teammate = "203.0.113.8";
    expect_data(from(teammate).send().await.unwrap(), StatusCode::OK).await;
    let signed_in = sign_in(&app, ADMIN_TOKEN)
        .header("x-forwarded-for", teammate)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()[LOCATION], format!("{UI}/accounts"));
    let locked = sign_in(&app, ADMIN_TOKEN).header("x-forwarded-for", guesser);
    expect_sign_in_locked(locked.send().await.unwrap()).await;
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for n in 0..FREE {
        let guess = accounts(&app, "wrong-admin-token")
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .send();
        expect_wrong_admin_token(guess.await.unwrap()).await;
    }
    let right = accounts(&app, ADMIN_TOKEN).header("x-forwarded-for", "198.51.100.99");
    expect_locked(right.send().await.unwrap()).await;
}
