//! The dashboard's actions over plain HTTP: what asks first (revoking),
//! what is shown once (new secrets, also across replicas), replays to one
//! destination, rotations, and the request log's filters.

use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, Dashboard, Receiver, TestApp, UI, expect_data};
use crate::postgres_only;
use crate::ui::app;

postgres_only!(a_secret_is_shown_once_across_replicas);

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
