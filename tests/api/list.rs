//! `GET /client-tokens`: cursor pagination, order, status filter, and
//! `meta.pagination`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, expect_data, expect_invalid_fields, expect_json};
use crate::on_both_backends;

on_both_backends!(
    list_defaults_to_active_tokens_newest_first,
    following_next_walks_every_page_in_order,
    status_filters_by_a_comma_list,
    order_by_accepts_either_case_of_direction,
    per_page_over_200_is_clamped_and_reported,
    skip_count_reports_minus_one,
    estimated_total_is_exact_to_100000_and_100001_above,
    estimated_total_follows_writes_at_once,
    next_points_at_the_host_the_client_used,
    invalid_query_parameters_are_invalid_field_errors,
    a_key_never_lists_the_other_environments_tokens,
);

fn ids(tokens: &Value) -> Vec<String> {
    tokens
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Creates `n` tokens and revokes those whose index is in `revoke`;
/// returns all ids in creation order.
async fn seed(app: &TestApp, n: usize, revoke: &[usize]) -> Vec<String> {
    let mut created = Vec::new();
    for i in 0..n {
        let id = app.create(&format!("token {i}")).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        if revoke.contains(&i) {
            assert_eq!(app.revoke(&id).await.status(), StatusCode::OK);
        }
        created.push(id);
    }
    created
}

async fn list(app: &TestApp, query: &str) -> Value {
    expect_json(
        app.get(&format!("/client-tokens{query}"), &app.keys.sandbox)
            .await,
        StatusCode::OK,
    )
    .await
}

async fn list_defaults_to_active_tokens_newest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = seed(&app, 4, &[1]).await;
    let body = list(&app, "").await;
    let expected: Vec<String> = [3, 2, 0].iter().map(|&i| created[i].clone()).collect();
    assert_eq!(ids(&body["data"]), expected);
    let base = app.url("/client-tokens");
    assert_eq!(
        body["meta"]["pagination"],
        json!({
            "per_page": 50,
            "next": format!("{base}?after={}", created[0]),
            "has_more": false,
            "estimated_total": 3,
        })
    );
}

async fn following_next_walks_every_page_in_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = seed(&app, 7, &[]).await;
    let mut seen = Vec::new();
    let mut url = app.url("/client-tokens?per_page=3&order_by=id[ASC]");
    let mut pages = 0;
    loop {
        let response = app
            .client
            .get(&url)
            .bearer_auth(&app.keys.sandbox)
            .send()
            .await
            .unwrap();
        let body = expect_json(response, StatusCode::OK).await;
        pages += 1;
        seen.extend(ids(&body["data"]));
        let pagination = &body["meta"]["pagination"];
        assert_eq!(pagination["per_page"], 3);
        assert_eq!(
            pagination["estimated_total"], 7,
            "the total ignores the cursor"
        );
        let next = pagination["next"].as_str().expect("next is always present");
        assert_eq!(
            next,
            app.url(&format!(
                "/client-tokens?per_page=3&order_by=id[ASC]&after={}",
                seen.last().unwrap()
            ))
        );
        if !pagination["has_more"].as_bool().unwrap() {
            break;
        }
        url = next.to_owned();
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);

    // And backwards, newest first.
    let first = list(&app, "?per_page=4").await;
    let second = app
        .client
        .get(first["meta"]["pagination"]["next"].as_str().unwrap())
        .bearer_auth(&app.keys.sandbox)
        .send()
        .await
        .unwrap();
    let second = expect_json(second, StatusCode::OK).await;
    let mut backwards = ids(&first["data"]);
    backwards.extend(ids(&second["data"]));
    let reversed: Vec<String> = created.iter().rev().cloned().collect();
    assert_eq!(backwards, reversed);
    assert_eq!(first["meta"]["pagination"]["has_more"], true);
    assert_eq!(second["meta"]["pagination"]["has_more"], false);
}

async fn status_filters_by_a_comma_list(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = seed(&app, 4, &[0, 2]).await;
    let revoked = list(&app, "?status=revoked&order_by=id[ASC]").await;
    assert_eq!(
        ids(&revoked["data"]),
        [created[0].clone(), created[2].clone()]
    );
    assert!(
        revoked["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "revoked")
    );
    assert_eq!(revoked["meta"]["pagination"]["estimated_total"], 2);
    let both = list(&app, "?status=active,revoked&order_by=id[ASC]").await;
    assert_eq!(ids(&both["data"]), created);
    assert_eq!(both["meta"]["pagination"]["estimated_total"], 4);
    let active = list(&app, "?status=active&order_by=id[ASC]").await;
    assert_eq!(
        ids(&active["data"]),
        [created[1].clone(), created[3].clone()]
    );
}

async fn order_by_accepts_either_case_of_direction(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = seed(&app, 3, &[]).await;
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();
    for (order, expected) in [
        ("id[ASC]", &created),
        ("id[asc]", &created),
        ("id[DESC]", &newest_first),
        ("id[desc]", &newest_first),
    ] {
        let body = list(&app, &format!("?order_by={order}")).await;
        assert_eq!(&ids(&body["data"]), expected, "{order}");
    }
}

async fn per_page_over_200_is_clamped_and_reported(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    seed(&app, 2, &[]).await;
    for (asked, used) in [("1000", 200), ("200", 200), ("201", 200), ("1", 1)] {
        let body = list(&app, &format!("?per_page={asked}")).await;
        assert_eq!(
            body["meta"]["pagination"]["per_page"], used,
            "per_page={asked}"
        );
    }
}

async fn skip_count_reports_minus_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    seed(&app, 2, &[]).await;
    let response = app
        .client
        .get(app.url("/client-tokens"))
        .bearer_auth(&app.keys.sandbox)
        .header("Skip-Count", "true")
        .send()
        .await
        .unwrap();
    let body = expect_json(response, StatusCode::OK).await;
    assert_eq!(body["meta"]["pagination"]["estimated_total"], -1);
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
}

async fn next_points_at_the_host_the_client_used(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = seed(&app, 1, &[]).await;
    let response = app
        .client
        .get(app.url("/client-tokens?per_page=5"))
        .bearer_auth(&app.keys.sandbox)
        .header("Host", "paddock.internal:8080")
        .send()
        .await
        .unwrap();
    let body = expect_json(response, StatusCode::OK).await;
    assert_eq!(
        body["meta"]["pagination"]["next"],
        format!(
            "http://paddock.internal:8080/client-tokens?per_page=5&after={}",
            created[0]
        )
    );
}

/// Values of the right type out of range; the wrong type is in `recorded.rs`.
async fn invalid_query_parameters_are_invalid_field_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let per_page = "must be an integer between 1 and 200";
    let cases = [
        ("per_page=0", "per_page", per_page),
        ("per_page=-1", "per_page", per_page),
        (
            "after=ctkn_nope",
            "after",
            "must be a valid client token id (ctkn_...)",
        ),
        (
            "after=txn_01hv8gz6y0m8m5f8q2y9f7kj3x",
            "after",
            "must be a valid client token id (ctkn_...)",
        ),
        (
            "status=expired",
            "status",
            "must be a comma-separated list of: active, revoked",
        ),
        (
            "status=",
            "status",
            "must be a comma-separated list of: active, revoked",
        ),
        (
            "order_by=name[ASC]",
            "order_by",
            "must be one of the following: id[ASC], id[DESC]",
        ),
        (
            "order_by=id[sideways]",
            "order_by",
            "must be one of the following: id[ASC], id[DESC]",
        ),
    ];
    for (query, field, message) in cases {
        let response = app
            .get(&format!("/client-tokens?{query}"), &app.keys.sandbox)
            .await;
        expect_invalid_fields(response, json!([{ "field": field, "message": message }])).await;
    }
}

async fn a_key_never_lists_the_other_environments_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sandbox = seed(&app, 2, &[]).await;
    let live = app
        .create_with(&app.keys.live, json!({ "name": "Live" }))
        .await;
    let as_sandbox = list(&app, "?status=active,revoked&order_by=id[asc]").await;
    assert_eq!(ids(&as_sandbox["data"]), sandbox);
    let as_live = expect_data(
        app.get("/client-tokens?status=active,revoked", &app.keys.live)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(as_live, json!([live]));
}

async fn estimated_total_is_exact_to_100000_and_100001_above(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // 100,001 tokens, written straight to the database for speed.
    app.execute(
        "insert into client_tokens select 'ctkn_' || lpad(g::text, 26, '0'), 'default', 'sandbox', \
         'test_' || lpad(to_hex(g), 27, '0'), 'bulk', null, 'active', null, now(), now() \
         from generate_series(1, 100001) as g",
        "with recursive g(n) as (select 1 union all select n + 1 from g where n < 100001) \
         insert into client_tokens select 'ctkn_' || printf('%026d', n), 'default', 'sandbox', \
         'test_' || printf('%027x', n), 'bulk', null, 'active', null, \
         '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z' from g",
    )
    .await;
    let body = list(&app, "?per_page=1").await;
    assert_eq!(body["meta"]["pagination"]["estimated_total"], 100_001);
    assert_eq!(body["meta"]["pagination"]["has_more"], true);

    let one = "delete from client_tokens where id = 'ctkn_00000000000000000000000001'";
    app.execute(one, one).await;
    // (Another status filter: the first total is remembered for a second,
    // and this delete went around paddock.)
    let body = list(&app, "?per_page=1&status=active,revoked").await;
    assert_eq!(body["meta"]["pagination"]["estimated_total"], 100_000);
}

async fn estimated_total_follows_writes_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let total = |body: Value| body["meta"]["pagination"]["estimated_total"].clone();
    assert_eq!(total(list(&app, "").await), 0);
    let id = app.create("one").await["id"].as_str().unwrap().to_owned();
    assert_eq!(
        total(list(&app, "").await),
        1,
        "a create is counted at once"
    );
    app.revoke(&id).await;
    assert_eq!(total(list(&app, "").await), 0, "so is a revoke");
    assert_eq!(total(list(&app, "?status=revoked").await), 1);
}
