//! The dashboard over plain HTTP (the browser tests are in `ui_browser`):
//! where it is served, its headers, sign-in and its limit, CSRF, escaping,
//! and that its changes are the API's.

use paddock::app::ServeOptions;
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, Dashboard, TestApp, UI, expect_data};

/// The `default` account exists (the test keys are its), for the pages.
pub(crate) async fn app() -> TestApp {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app
        .admin(Method::POST, "/accounts")
        .json(&json!({ "name": "default" }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    app
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = app().await;
    let dashboard = Dashboard::signed_in(&app).await;
    let anonymous = Dashboard::new(&app);
    for response in [
        anonymous.get("/sign-in").await,
        anonymous.get("/style.css").await,
        anonymous.get("/accounts").await,
        dashboard.get("/accounts").await,
        dashboard
            .get("/accounts/default/sandbox/client-tokens")
            .await,
        dashboard
            .get("/accounts/nobody/sandbox/client-tokens")
            .await,
    ] {
        let headers = response.headers();
        let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer");
    }
    let missing = dashboard
        .get("/accounts/nobody/sandbox/client-tokens")
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let text = missing.text().await.unwrap();
    assert!(
        text.starts_with("<!DOCTYPE html>"),
        "an HTML error page: {text}"
    );
}

#[tokio::test]
async fn a_browser_asking_for_the_root_is_sent_to_the_dashboard() {
    let app = app().await;
    let client = Dashboard::new(&app).client;
    let browser = client
        .get(app.url("/"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(browser.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.headers()[LOCATION], format!("{UI}/"));
    for accept in ["application/json", "*/*", "application/json, text/html"] {
        let api = client
            .get(app.url("/"))
            .header("accept", accept)
            .send()
            .await;
        let data = expect_data(api.unwrap(), StatusCode::OK).await;
        assert_eq!(data["api"]["name"], "Paddle API");
    }
    let anonymous = Dashboard::new(&app).get("/").await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[LOCATION], format!("{UI}/sign-in"));
}

#[tokio::test]
async fn without_the_admin_api_there_is_no_dashboard() {
    let app = TestApp::spawn_with(Backend::Sqlite, ServeOptions::default()).await;
    let dashboard = Dashboard::new(&app);
    for path in ["/", "/sign-in", "/style.css", "/accounts"] {
        assert_eq!(
            dashboard.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let root = (dashboard.client.get(app.url("/")))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        root.status(),
        StatusCode::OK,
        "the API root, not a redirect"
    );
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_session_cookie_and_signing_out_ends_it() {
    let app = app().await;
    let dashboard = Dashboard::new(&app);
    let response = dashboard.sign_in(crate::helpers::ADMIN_TOKEN).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    for part in [
        "HttpOnly",
        "SameSite=Strict",
        "Max-Age=28800",
        "Path=/__paddock/ui/",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains(crate::helpers::ADMIN_TOKEN));
    let dashboard = Dashboard::signed_in(&app).await;
    assert_eq!(dashboard.get("/accounts").await.status(), StatusCode::OK);
    // Without the CSRF token, signing out is refused.
    let refused = dashboard.post("/sign-out", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(dashboard.get("/accounts").await.status(), StatusCode::OK);
    let out = dashboard.post_with_csrf("/sign-out", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        out.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // The old cookie is dead on the server too.
    let after = dashboard.get("/accounts").await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert_eq!(after.headers()[LOCATION], format!("{UI}/sign-in"));
}

#[tokio::test]
async fn a_made_up_or_altered_session_cookie_is_refused_and_sign_ins_never_share_one() {
    let app = app().await;
    let (first, second) = (
        Dashboard::signed_in(&app).await,
        Dashboard::signed_in(&app).await,
    );
    let (first_cookie, second_cookie) = (
        first.cookie.clone().unwrap(),
        second.cookie.clone().unwrap(),
    );
    assert_ne!(first_cookie, second_cookie);
    assert_ne!(first.csrf, second.csrf);
    let mut altered = first_cookie.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == '0' { '1' } else { '0' });
    let made_up = format!("paddock_session={}", "0".repeat(64));
    for cookie in [
        altered,
        made_up,
        "paddock_session=".to_owned(),
        "other=1".to_owned(),
    ] {
        let mut attacker = Dashboard::new(&app);
        attacker.cookie = Some(cookie.clone());
        let refused = attacker.get("/accounts").await;
        assert_eq!(refused.status(), StatusCode::SEE_OTHER, "{cookie}");
        assert_eq!(refused.headers()[LOCATION], format!("{UI}/sign-in"));
    }
    // Signing one out leaves the other signed in.
    let out = first.post_with_csrf("/sign-out", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.get("/accounts").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(second.get("/accounts").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_tokens_get_401_then_the_address_is_locked_out_with_429() {
    let app = app().await;
    let dashboard = Dashboard::new(&app);
    for _ in 0..5 {
        let wrong = dashboard.sign_in("not-the-token").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert!(wrong.headers().get(SET_COOKIE).is_none());
        let page = wrong.text().await.unwrap();
        assert!(
            page.contains("not this server&#39;s admin token")
                || page.contains("not this server's admin token"),
            "{page}"
        );
        assert!(page.contains(r#"name="token""#), "the form again");
    }
    // Locked out (for 10 s at first): even the right token is refused.
    let locked = dashboard.sign_in(crate::helpers::ADMIN_TOKEN).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    assert!(locked.headers().get(SET_COOKIE).is_none());
}

#[tokio::test]
async fn a_sign_in_post_from_another_origin_is_refused_and_spends_no_tries() {
    let app = app().await;
    let dashboard = Dashboard::new(&app);
    let post = |token: &'static str, header: (&'static str, String)| {
        (dashboard.client.post(app.url(&format!("{UI}/sign-in"))))
            .header(header.0, header.1)
            .form(&[("token", token)])
            .send()
    };
    let cross_site = [
        ("sec-fetch-site", "cross-site".to_owned()),
        ("sec-fetch-site", "same-site".to_owned()),
        ("origin", "https://evil.example".to_owned()),
        ("origin", "null".to_owned()),
    ];
    for header in cross_site.iter().cycle().take(8) {
        for token in [crate::helpers::ADMIN_TOKEN, "not-the-token"] {
            let refused = post(token, header.clone()).await.unwrap();
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{header:?}");
            assert!(refused.headers().get(SET_COOKIE).is_none());
            let page = refused.text().await.unwrap();
            assert!(
                page.contains("this dashboard&#39;s own page")
                    || page.contains("this dashboard's own page"),
                "{page}"
            );
        }
    }
    // None of those counted: the address isn't locked out.
    let ours = [
        ("sec-fetch-site", "same-origin".to_owned()),
        ("origin", app.url("")),
    ];
    for header in ours {
        let signed_in = post(crate::helpers::ADMIN_TOKEN, header.clone())
            .await
            .unwrap();
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "{header:?}");
        assert!(signed_in.headers().contains_key(SET_COOKIE));
    }
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = app().await;
    let dashboard = Dashboard::signed_in(&app).await;
    let path = "/accounts/default/sandbox/client-tokens";
    let refused = dashboard.post(path, &[("name", "forged")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let wrong = dashboard
        .post(path, &[("name", "forged"), ("csrf", "0000")])
        .await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let list = app.get("/client-tokens", &app.keys.sandbox).await;
    assert_eq!(expect_data(list, StatusCode::OK).await, json!([]));
    // Nor without a session at all: sign in first.
    let anonymous = Dashboard::new(&app).post(path, &[("name", "forged")]).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let created = dashboard.post_with_csrf(path, &[("name", "real")]).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let list = app.get("/client-tokens", &app.keys.sandbox).await;
    assert_eq!(expect_data(list, StatusCode::OK).await[0]["name"], "real");
}

#[tokio::test]
async fn values_are_escaped_and_field_errors_are_in_plain_words_next_to_their_field() {
    let app = app().await;
    let dashboard = Dashboard::signed_in(&app).await;
    app.create("<script>alert(1)</script>").await;
    let page = dashboard
        .get("/accounts/default/sandbox/client-tokens")
        .await;
    let page = page.text().await.unwrap();
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script>alert"));
    let path = "/accounts/default/sandbox/client-tokens";
    let long = "x".repeat(151);
    let invalid = dashboard.post_with_csrf(path, &[("name", &long)]).await;
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
    let page = invalid.text().await.unwrap();
    assert!(
        page.contains(r#"class="field-error" id="name-error""#),
        "{page}"
    );
    assert!(
        page.contains(r#"id="name-error">Use 150 characters or fewer.</p>"#),
        "{page}"
    );
    let missing = dashboard.post_with_csrf(path, &[("name", "")]).await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let page = missing.text().await.unwrap();
    assert!(
        page.contains(r#"id="name-error">Fill this in.</p>"#),
        "next to the field: {page}"
    );
    assert!(!page.contains("(root)"), "{page}");
    let key = dashboard
        .post_with_csrf("/accounts/default/sandbox/api-keys", &[("name", "ci")])
        .await;
    assert_eq!(key.status(), StatusCode::BAD_REQUEST);
    let page = key.text().await.unwrap();
    assert!(
        page.contains(r#"id="permissions-error">Choose at least one.</p>"#),
        "{page}"
    );
    // The API keeps Paddle's words.
    let api = app
        .request(Method::POST, "/client-tokens", &app.keys.sandbox)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(
        body["error"]["errors"],
        json!([{ "field": "(root)", "message": "name is required" }])
    );
}

#[tokio::test]
async fn a_mistyped_dashboard_address_gets_an_html_page_and_there_is_a_favicon() {
    let app = app().await;
    let dashboard = Dashboard::signed_in(&app).await;
    for path in [
        "/nowhere",
        "/accounts/default/sandbox/nothing-here",
        "/a/b/c",
    ] {
        let missing = dashboard.get(path).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            missing.headers()["content-type"],
            "text/html; charset=utf-8"
        );
        let page = missing.text().await.unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
        assert!(page.contains("no such page"), "{page}");
    }
    let icon = Dashboard::new(&app).get("/favicon.svg").await;
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    let page = dashboard.get("/accounts").await.text().await.unwrap();
    assert!(
        page.contains(r#"<link rel="icon" type="image/svg+xml" href="/__paddock/ui/favicon.svg">"#)
    );
}

#[tokio::test]
async fn a_forged_post_learns_nothing_of_the_account_it_names() {
    let app = app().await;
    let dashboard = Dashboard::signed_in(&app).await;
    // The CSRF check comes before the path's account is looked up.
    let path = "/accounts/nobody/sandbox/client-tokens";
    let forged = dashboard.post(path, &[("name", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let anonymous = Dashboard::new(&app).get(path).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let unknown = dashboard.post_with_csrf(path, &[("name", "real")]).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
