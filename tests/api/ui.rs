//! The dashboard over plain HTTP (the browser tests are in `ui_browser`):
//! where it is served, its headers, sign-in and its limit, CSRF, escaping,
//! and that its changes are the API's.

use paddock::app::ServeOptions;
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, Dashboard, Receiver, TestApp, UI, expect_data};
use crate::postgres_only;

postgres_only!(a_secret_is_shown_once_across_replicas);

/// The `default` account exists (the test keys are its), for the pages.
async fn app() -> TestApp {
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
async fn a_created_api_key_is_shown_once_on_a_page_of_its_own_never_in_a_url_and_works() {
    let app = app().await;
    let dashboard = Dashboard::signed_in(&app).await;
    let created = dashboard
        .post_with_csrf(
            "/accounts/default/sandbox/api-keys",
            &[
                ("name", "ci"),
                ("permissions", "client_token.read"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    // Post/redirect/get: a refresh of the answer creates nothing.
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let location = created.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(!location.contains("pdl_"), "{location}");
    let path = location.strip_prefix(UI).unwrap();
    assert!(
        path.starts_with("/accounts/default/sandbox/shown-once/"),
        "{path}"
    );
    let shown = dashboard.get(path).await;
    assert_eq!(shown.status(), StatusCode::OK);
    let page = shown.text().await.unwrap();
    let key = shown_key(&page);
    let list = app.get("/client-tokens", &key).await;
    assert_eq!(list.status(), StatusCode::OK);
    // Loaded again (a refresh, the back button): gone, and nothing new.
    let again = dashboard.get(path).await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(!again.text().await.unwrap().contains("pdl_sdbx_apikey_"));
    let listed = dashboard
        .get("/accounts/default/sandbox/api-keys")
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&key), "shown once only");
    assert!(listed.contains("client_token.read"));
    assert_eq!(listed.matches(">ci<").count(), 1, "one key: {listed}");
    // Kept sealed: the key is nowhere in the database, before or after.
    assert!(!app.database_contains(&key).await);
}

fn shown_key(page: &str) -> String {
    let at = page.find("pdl_sdbx_apikey_").expect("the key in the page");
    page[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

#[tokio::test]
async fn a_created_notification_setting_redirects_and_its_secret_is_shown_once() {
    let app = app().await;
    let dashboard = Dashboard::signed_in(&app).await;
    let base = "/accounts/default/sandbox/notifications";
    let form = [
        ("destination", "https://example.com/hook"),
        ("subscribed_events", "client_token.created"),
        ("active", "true"),
    ];
    let created = dashboard.post_with_csrf(base, &form).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let location = created.headers()[LOCATION].to_str().unwrap().to_owned();
    let path = location.strip_prefix(UI).unwrap().to_owned();
    let page = dashboard.get(&path).await.text().await.unwrap();
    assert!(page.contains(r#"id="new-secret">pdl_ntfset_"#), "{page}");
    assert_eq!(dashboard.get(&path).await.status(), StatusCode::GONE);
    let settings = app
        .admin(Method::GET, "/accounts/default/notification-settings")
        .send()
        .await
        .unwrap();
    let settings = expect_data(settings, StatusCode::OK).await;
    assert_eq!(settings.as_array().unwrap().len(), 1);
    // "Show secret key" is a POST answered by a redirect to a page shown once.
    let id = settings[0]["id"].as_str().unwrap();
    let revealed = dashboard
        .post_with_csrf(&format!("{base}/{id}/secret"), &[])
        .await;
    assert_eq!(revealed.status(), StatusCode::SEE_OTHER);
    let location = revealed.headers()[LOCATION].to_str().unwrap().to_owned();
    let path = location.strip_prefix(UI).unwrap().to_owned();
    let page = dashboard.get(&path).await.text().await.unwrap();
    assert!(page.contains(r#"id="new-secret">pdl_ntfset_"#), "{page}");
    assert_eq!(dashboard.get(&path).await.status(), StatusCode::GONE);
}

/// Behind two replicas on one Postgres: the page made on one is shown by
/// the other, once; asked of both at once, exactly one shows it.
async fn a_secret_is_shown_once_across_replicas() {
    let app = TestApp::spawn(Backend::Postgres).await;
    app.admin(Method::POST, "/accounts")
        .json(&json!({ "name": "default" }))
        .send()
        .await
        .unwrap();
    let other = format!("http://{}", app.replica().await);
    let (here, there) = (
        Dashboard::signed_in(&app).await,
        Dashboard::signed_in_at(&app, &other).await,
    );
    for round in 0..2 {
        let created = here
            .post_with_csrf(
                "/accounts/default/sandbox/api-keys",
                &[("name", "ci"), ("permissions", "client_token.read")],
            )
            .await;
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        let location = created.headers()[LOCATION].to_str().unwrap().to_owned();
        let path = location.strip_prefix(UI).unwrap();
        if round == 0 {
            let shown = there.get(path).await;
            assert_eq!(shown.status(), StatusCode::OK);
            assert!(shown.text().await.unwrap().contains("pdl_sdbx_apikey_"));
            assert_eq!(here.get(path).await.status(), StatusCode::GONE);
        } else {
            let (a, b) = tokio::join!(here.get(path), there.get(path));
            let mut statuses = [a.status(), b.status()];
            statuses.sort();
            assert_eq!(statuses, [StatusCode::OK, StatusCode::GONE]);
        }
    }
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

#[tokio::test]
async fn revoking_an_api_key_asks_first_and_without_the_box_ticked_changes_nothing() {
    let app = app().await;
    let dashboard = Dashboard::signed_in(&app).await;
    let key = app
        .account_key("default", "sandbox", &["client_token.read"])
        .await;
    let id = key_id(&key);
    let page = dashboard.get("/accounts/default/sandbox/api-keys").await;
    let page = page.text().await.unwrap();
    // The list links to the key's page; it has no one-click revoke.
    assert!(!page.contains("/revoke"), "{page}");
    let key_page = format!("/accounts/default/sandbox/api-keys/{id}");
    assert!(
        page.contains(&format!(r#"href="{UI}{key_page}""#)),
        "{page}"
    );
    let shown = dashboard.get(&key_page).await;
    assert_eq!(shown.status(), StatusCode::OK);
    let shown = shown.text().await.unwrap();
    assert!(
        shown.contains(r#"name="confirm" value="yes" required"#),
        "{shown}"
    );
    let revoke = format!("{key_page}/revoke");
    let unconfirmed = dashboard.post_with_csrf(&revoke, &[]).await;
    assert_eq!(unconfirmed.status(), StatusCode::BAD_REQUEST);
    let again = unconfirmed.text().await.unwrap();
    assert!(again.contains("Tick the box to confirm."), "{again}");
    assert_eq!(
        app.get("/client-tokens", &key).await.status(),
        StatusCode::OK
    );
    let confirmed = dashboard
        .post_with_csrf(&revoke, &[("confirm", "yes")])
        .await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(confirmed.headers()[LOCATION], format!("{UI}{key_page}"));
    let after = app.get("/client-tokens", &key).await;
    assert_eq!(after.status(), StatusCode::FORBIDDEN);
}

/// `apikey_…` of a key `pdl_sdbx_apikey_<ulid>_<secret>`.
fn key_id(key: &str) -> String {
    let rest = key.split("_apikey_").nth(1).unwrap();
    format!("apikey_{}", rest.split('_').next().unwrap())
}

#[tokio::test]
async fn a_replay_on_a_destinations_page_reaches_only_that_destination_and_a_failing_one_says_so() {
    let options = paddock::app::ServeOptions {
        dispatch_poll: std::time::Duration::from_millis(20),
        ..crate::helpers::default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let dashboard = Dashboard::signed_in(&app).await;
    let mut first = Receiver::start(&[]).await;
    // The second answers 500 to everything: a dead endpoint.
    let mut second = Receiver::start(&[500; 50]).await;
    let first_setting = app
        .make_setting("default", &first.url, &["client_token.created"])
        .await;
    app.make_setting("default", &second.url, &["client_token.created"])
        .await;
    app.create("Replayed").await;
    let original = first.next().await.json();
    let seconds = second.next().await.json()["notification_id"].clone();
    let base = "/accounts/default/sandbox/notifications";
    let id = first_setting["id"].as_str().unwrap();
    let notification = original["notification_id"].as_str().unwrap();
    let replay = format!("{base}/{id}/replay");
    let replayed = dashboard
        .post_with_csrf(&replay, &[("notification_id", notification)])
        .await;
    assert_eq!(replayed.status(), StatusCode::SEE_OTHER);
    let again = first.next().await.json();
    assert_eq!(again["event_id"], original["event_id"]);
    assert_ne!(again["notification_id"], original["notification_id"]);
    // Only retries of its own first notification reach the second.
    let wait = std::time::Duration::from_millis(400);
    while let Ok(received) = tokio::time::timeout(wait, second.next()).await {
        assert_eq!(received.json()["notification_id"], seconds);
    }
    // Another setting's notification can't be replayed from this page.
    let theirs = dashboard
        .post_with_csrf(
            &replay,
            &[("notification_id", "ntf_01hv8gz6y0m8m5f8q2y9f7kj3x")],
        )
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let list = dashboard.get(base).await.text().await.unwrap();
    assert_eq!(list.matches(">failing<").count(), 1, "{list}");
    let at = list.find(">failing<").unwrap();
    assert!(list[..at].rfind(&second.url).unwrap() > list[..at].rfind(&first.url).unwrap());
}

#[tokio::test]
async fn the_request_log_filters_by_method_status_path_and_key() {
    let app = app().await;
    let dashboard = Dashboard::signed_in(&app).await;
    let key = app
        .account_key(
            "default",
            "sandbox",
            &["client_token.read", "client_token.write"],
        )
        .await;
    app.create_with(&key, json!({ "name": "logged" })).await;
    assert_eq!(
        app.get("/client-tokens", &key).await.status(),
        StatusCode::OK
    );
    let missing = app
        .get("/client-tokens/ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x", &key)
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let rows = |page: &str| page.matches("<tr class=\"viewer-row\">").count();
    let requests = "/accounts/default/sandbox/requests";
    let all = dashboard.get(requests).await.text().await.unwrap();
    assert_eq!(rows(&all), 3, "{all}");
    for (query, expected, shown) in [
        ("method=POST", 1, "POST /client-tokens"),
        ("status=4xx", 1, "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x"),
        ("status=200&method=", 1, "GET /client-tokens</code>"),
        (
            "path=%2Fclient-tokens%2F",
            1,
            "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x",
        ),
        (&format!("key={}", key_id(&key)), 3, "GET /client-tokens"),
        (
            "key=apikey_01hv8gz6y0m8m5f8q2y9f7kj3x",
            0,
            "No requests recorded",
        ),
    ] {
        let page = dashboard.get(&format!("{requests}?{query}")).await;
        assert_eq!(page.status(), StatusCode::OK, "{query}");
        let page = page.text().await.unwrap();
        assert_eq!(rows(&page), expected, "{query}: {page}");
        assert!(page.contains(shown), "{query}: {page}");
    }
    let wrong = dashboard.get(&format!("{requests}?status=abc")).await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let page = wrong.text().await.unwrap();
    assert!(
        page.contains(r#"class="field-error" id="status-error""#),
        "{page}"
    );
    assert!(page.contains(r#"name="status" value="abc""#), "{page}");
}

#[tokio::test]
async fn a_keys_page_rotates_it_shows_the_new_secret_once_and_lists_its_rotations() {
    let app = app().await;
    let dashboard = Dashboard::signed_in(&app).await;
    let made = app
        .make_key(
            "default",
            json!({ "environment": "sandbox", "permissions": ["client_token.read"], "rotatable": true }),
        )
        .await;
    let old = made["key"].as_str().unwrap().to_owned();
    let page = format!("/accounts/default/sandbox/api-keys/{}", key_id(&old));
    let shown = dashboard.get(&page).await.text().await.unwrap();
    assert!(shown.contains("This key has not been rotated."), "{shown}");
    let rotate = format!("{page}/rotations");
    let mut new_keys = Vec::new();
    for _ in 0..2 {
        let rotated = dashboard
            .post_with_csrf(
                &rotate,
                &[("grace_period_seconds", "3600"), ("expires_in_days", "")],
            )
            .await;
        assert_eq!(rotated.status(), StatusCode::SEE_OTHER);
        let location = rotated.headers()[LOCATION].to_str().unwrap().to_owned();
        let once = location.strip_prefix(UI).unwrap().to_owned();
        let revealed = dashboard.get(&once).await.text().await.unwrap();
        assert!(
            revealed.contains(r#"id="new-rotated-key">pdl_sdbx_apikey_"#),
            "{revealed}"
        );
        new_keys.push(shown_key(&revealed));
        assert_eq!(dashboard.get(&once).await.status(), StatusCode::GONE);
    }
    // The second cancelled the first; using the second completes it.
    assert_eq!(
        app.get("/client-tokens", &new_keys[1]).await.status(),
        StatusCode::OK
    );
    let listed = dashboard.get(&page).await.text().await.unwrap();
    assert_eq!(
        listed.matches(r#"class="badge canceled""#).count(),
        1,
        "{listed}"
    );
    assert_eq!(
        listed.matches(r#"class="badge completed""#).count(),
        1,
        "{listed}"
    );
    assert!(!listed.contains(&new_keys[1]), "shown once only");
    // A grace period out of Paddle's range is refused next to its field.
    let wrong = dashboard
        .post_with_csrf(
            &rotate,
            &[("grace_period_seconds", "90000"), ("expires_in_days", "")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let wrong = wrong.text().await.unwrap();
    assert!(
        wrong.contains(r#"id="grace_period_seconds-error""#),
        "{wrong}"
    );
}
