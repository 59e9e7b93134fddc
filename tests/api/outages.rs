//! Postgres outages as they meet a write: creates in flight when the
//! database goes, a commit whose answer is lost (it landed, or it never
//! arrived), and a network that silently drops every packet. Every answer
//! comes within 2 s, and a create is answered with what the database holds
//! wherever that can be learnt (docs/guarantees.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::previews::{MONTHLY, cart};
use crate::helpers::{TestApp, Trap, expect_data};
use crate::postgres_only;

postgres_only!(
    creates_in_flight_when_the_database_goes_are_answered_within_2_s,
    a_create_whose_answer_is_lost_but_which_landed_is_answered_201,
    a_create_whose_request_is_lost_is_503_and_never_stored,
    a_revoke_is_answered_with_what_its_lost_commit_did,
    a_silent_network_is_answered_within_2_s_and_service_resumes,
);

const BOUND: Duration = Duration::from_secs(2);

/// A create: its status, how long it took, and its body.
async fn create(app: &TestApp, name: &str) -> (StatusCode, Duration, Value) {
    let asked = Instant::now();
    let response = (app.request(Method::POST, "/client-tokens", &app.keys.sandbox))
        .json(&json!({ "name": name }))
        .send()
        .await
        .expect("every request is answered");
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    (status, asked.elapsed(), body)
}

/// A pricing preview of one monthly seat, as a page asks for it.
async fn price(app: &TestApp, token: &str) -> (StatusCode, Duration, Value) {
    let asked = Instant::now();
    let response = app
        .preview("/pricing-preview", token, cart(MONTHLY, 1))
        .await;
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    (status, asked.elapsed(), body)
}

/// A success, or Paddle's 503, within the bound.
fn expect_served_or_unavailable(status: StatusCode, took: Duration, body: &Value) {
    assert!(took < BOUND, "{status} after {took:?}: {body}");
    match status {
        StatusCode::OK | StatusCode::CREATED => {}
        StatusCode::SERVICE_UNAVAILABLE => {
            assert_eq!(body["error"]["type"], "api_error", "{body}");
            assert_eq!(body["error"]["code"], "service_unavailable", "{body}");
        }
        other => panic!("{other}: {body}"),
    }
}

/// Waits (10 s at most) until a create succeeds again.
async fn until_served(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while create(app, "Probe").await.0 != StatusCode::CREATED {
        assert!(Instant::now() < deadline, "paddock did not recover");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every token answered 201 is stored, as answered.
async fn expect_stored(app: &TestApp, created: &[Value]) {
    for token in created {
        let path = format!("/client-tokens/{}", token["id"].as_str().unwrap());
        let stored = expect_data(app.get(&path, &app.keys.sandbox).await, StatusCode::OK).await;
        assert_eq!(&stored, token, "a create answered 201 is kept");
    }
}

/// The tokens of the sandbox named `name`.
async fn named(app: &TestApp, name: &str) -> Vec<Value> {
    let all = app
        .get("/client-tokens?per_page=200", &app.keys.sandbox)
        .await;
    let all = expect_data(all, StatusCode::OK).await;
    let all = all.as_array().unwrap().iter();
    all.filter(|token| token["name"] == name).cloned().collect()
}

/// Creates arriving steadily (one every 20 ms, each from a client of its
/// own) when the database stops (its port closed: connections refused,
/// which sqlx retries until its acquire timeout): those in flight at the cut and those queued
/// behind both committers while they wait on the dead database are answered
/// 201 or 503 within 2 s, and every 201 is kept. Rounds:
/// `PADDOCK_OUTAGE_RUNS` (3 by default), each cutting at another moment.
async fn creates_in_flight_when_the_database_goes_are_answered_within_2_s() {
    let runs: u32 = std::env::var("PADDOCK_OUTAGE_RUNS").map_or(3, |runs| runs.parse().unwrap());
    let app = Arc::new(TestApp::spawn_behind_proxy().await);
    let proxy = app.proxy.as_ref().unwrap();
    let (mut in_flight_at_the_cut, mut slowest) = (0, Duration::ZERO);
    for run in 0..runs {
        proxy.restore();
        until_served(&app).await;
        let started = Instant::now();
        let cut_after = Duration::from_millis(300 + 37 * u64::from(run % 5));
        let mut creates = Vec::new();
        let mut cut = None;
        let spawn_create = |creates: &mut Vec<_>| {
            let app = app.clone();
            creates.push(tokio::spawn(async move {
                let asked = Instant::now();
                let (status, took, body) = create(&app, "In flight").await;
                (asked, status, took, body)
            }));
        };
        while started.elapsed() < cut_after + Duration::from_secs(2) {
            spawn_create(&mut creates);
            if cut.is_none() && started.elapsed() >= cut_after {
                // A burst just before the cut, to be under way at it.
                for _ in 0..8 {
                    spawn_create(&mut creates);
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
                proxy.stop();
                cut = Some(Instant::now());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let cut = cut.unwrap();
        let mut created = Vec::new();
        for create in creates {
            let (asked, status, took, body) = create.await.expect("no client panicked");
            expect_served_or_unavailable(status, took, &body);
            in_flight_at_the_cut += usize::from(asked < cut && asked + took > cut);
            slowest = slowest.max(took);
            if status == StatusCode::CREATED {
                created.push(body["data"].clone());
            }
        }
        proxy.restore();
        until_served(&app).await;
        expect_stored(&app, &created).await;
    }
    assert!(
        in_flight_at_the_cut >= 1,
        "no create was in flight at a cut"
    );
    println!(
        "{in_flight_at_the_cut} creates in flight at {runs} cuts; the slowest answer took {slowest:?}"
    );
}

/// Postgres commits a create but its answer never reaches paddock (the
/// connection is cut after the request went through): paddock learns on a
/// fresh connection that it landed and answers 201, once.
async fn a_create_whose_answer_is_lost_but_which_landed_is_answered_201() {
    let app = TestApp::spawn_behind_proxy_in_plain_text().await;
    app.create("Before").await;
    let proxy = app.proxy.as_ref().unwrap();
    let name = "Answer lost on the way back";
    proxy.arm(Trap::LoseReply(name.as_bytes().to_vec()));
    let (status, took, body) = create(&app, name).await;
    assert!(proxy.sprung(), "the create's commit went by the trap");
    assert_eq!(status, StatusCode::CREATED, "after {took:?}: {body}");
    assert!(took < BOUND, "{took:?}");
    expect_stored(&app, &[body["data"].clone()]).await;
    assert_eq!(named(&app, name).await.len(), 1);
}

/// The create never reaches Postgres (the connection is cut once it was
/// sent): 503, and it is not stored, then or later.
async fn a_create_whose_request_is_lost_is_503_and_never_stored() {
    let app = TestApp::spawn_behind_proxy_in_plain_text().await;
    app.create("Before").await;
    let proxy = app.proxy.as_ref().unwrap();
    let name = "Request lost on the way out";
    proxy.arm(Trap::LoseRequest(name.as_bytes().to_vec()));
    let (status, took, body) = create(&app, name).await;
    assert!(proxy.sprung(), "the create's commit went by the trap");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(took < BOUND, "{took:?}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(named(&app, name).await, Vec::<Value>::new());
}

/// A revoke commits in a transaction of its own: when its `COMMIT` never
/// arrives, it is 503 and the token stays active; when `COMMIT`'s answer
/// is lost, paddock learns from the transaction's id that it committed
/// and answers 200, revoked.
async fn a_revoke_is_answered_with_what_its_lost_commit_did() {
    let app = TestApp::spawn_behind_proxy_in_plain_text().await;
    let token = app.create("To revoke").await;
    let id = token["id"].as_str().unwrap();
    let path = format!("/client-tokens/{id}");
    let proxy = app.proxy.as_ref().unwrap();

    proxy.arm(Trap::LoseRequest(b"COMMIT".to_vec()));
    let asked = Instant::now();
    let response = app.revoke(id).await;
    assert!(proxy.sprung(), "the revoke's commit went by the trap");
    assert!(asked.elapsed() < BOUND, "{:?}", asked.elapsed());
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let stored = expect_data(app.get(&path, &app.keys.sandbox).await, StatusCode::OK).await;
    assert_eq!(stored["status"], "active");

    proxy.arm(Trap::LoseReply(b"COMMIT".to_vec()));
    let asked = Instant::now();
    let response = app.revoke(id).await;
    assert!(proxy.sprung(), "the revoke's commit went by the trap");
    assert!(asked.elapsed() < BOUND, "{:?}", asked.elapsed());
    let revoked = expect_data(response, StatusCode::OK).await;
    assert_eq!(revoked["status"], "revoked");
    let stored = expect_data(app.get(&path, &app.keys.sandbox).await, StatusCode::OK).await;
    assert_eq!(stored, revoked);
}

/// The network to Postgres drops every packet, without a reset: no
/// connection fails, nothing answers. Reads by id, lists and creates are
/// still answered within 2 s (503), and service resumes when the network
/// does.
async fn a_silent_network_is_answered_within_2_s_and_service_resumes() {
    let app = Arc::new(TestApp::spawn_behind_proxy().await);
    let token = app.create("Before the silence").await;
    let path = format!("/client-tokens/{}", token["id"].as_str().unwrap());
    // A page pricing a cart: the client-side token and the catalog are read
    // on the request path too.
    app.load_recorded_catalog("default", "sandbox").await;
    let page_token = token["token"].as_str().unwrap().to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|client| {
            let (app, path, stop) = (app.clone(), path.clone(), stop.clone());
            let page_token = page_token.clone();
            tokio::spawn(async move {
                let (mut answers, mut created) = (0, Vec::new());
                while !stop.load(Ordering::Relaxed) {
                    let read = |path: String| {
                        let app = app.clone();
                        async move {
                            let asked = Instant::now();
                            let response = app.get(&path, &app.keys.sandbox).await;
                            let status = response.status();
                            (status, asked.elapsed(), response.json().await.unwrap())
                        }
                    };
                    let (status, took, body) = match client % 4 {
                        0 => read(path.clone()).await,
                        1 => read("/client-tokens?per_page=5".to_owned()).await,
                        2 => create(&app, "Into the silence").await,
                        _ => price(&app, &page_token).await,
                    };
                    assert!(took < BOUND, "client {client}: {took:?}");
                    expect_served_or_unavailable(status, took, &body);
                    if status == StatusCode::CREATED {
                        created.push(body["data"].clone());
                    }
                    answers += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                (answers, created)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let proxy = app.proxy.as_ref().unwrap();
    proxy.silence();
    tokio::time::sleep(Duration::from_secs(5)).await;
    proxy.restore();
    until_served(&app).await;
    stop.store(true, Ordering::Relaxed);
    let mut created = Vec::new();
    for client in clients {
        let (answers, mut made) = client.await.expect("no client panicked");
        assert!(answers >= 3, "{answers} answers in 5 s");
        created.append(&mut made);
    }
    expect_stored(&app, &created).await;
}
