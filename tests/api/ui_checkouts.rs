//! The dashboard's checkouts (issue 30) over plain HTTP: a checkout made
//! through the browser's routes is listed with its transaction, its values
//! escaped, and a notification setting made from the dashboard's form
//! receives `transaction.completed`.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::checkout::{SUCCESS_CARD, card, customer, items};
use crate::helpers::previews::{MONTHLY, ONCE};
use crate::helpers::{Backend, Dashboard, Receiver, TestApp, expect_data};

const HOSTILE: &str = "<script>alert('checkout')</script>";

fn id_of(view: &serde_json::Value) -> String {
    view["id"].as_str().unwrap().to_owned()
}

async fn page_text(dashboard: &Dashboard, path: &str, status: StatusCode) -> String {
    let response = dashboard.get(path).await;
    assert_eq!(response.status(), status, "{path}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_list_shows_checkouts_made_over_http_newest_first_and_escapes_their_values() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    let first = checkouts.open(&shop, items(&[(MONTHLY, 1)])).await;
    let mut hostile = items(&[(ONCE, 1)]);
    hostile["custom_data"] = json!({ "note": HOSTILE });
    let paid = checkouts.open(&shop, hostile).await;
    let (first, paid) = (id_of(&first), id_of(&paid));
    let buyer = customer("ada@example.com", "US", Some("10001"));
    expect_data(checkouts.set_customer(&paid, buyer).await, StatusCode::OK).await;
    let response = checkouts.pay(&paid, card(SUCCESS_CARD)).await;
    let view = expect_data(response, StatusCode::OK).await;
    assert_eq!(view["state"], "completed", "{view}");

    let dashboard = Dashboard::signed_in(&app).await;
    let list = page_text(
        &dashboard,
        "/accounts/shop/sandbox/checkouts",
        StatusCode::OK,
    )
    .await;
    let row = |id: &str| list.find(&format!("<tr id=\"{id}\"")).expect(id);
    assert!(row(&paid) < row(&first), "newest first: {list}");
    let paid_row = &list[row(&paid)..row(&first)];
    for shown in [
        "completed",
        "$216.66",
        "ada@example.com",
        "sandbox",
        &format!("href=\"/__paddock/ui/accounts/shop/sandbox/checkouts/{paid}\""),
    ] {
        assert!(paid_row.contains(shown), "{shown} in {paid_row}");
    }
    let first_row = &list[row(&first)..];
    assert!(first_row.contains("draft"), "{first_row}");

    let page = page_text(
        &dashboard,
        &format!("/accounts/shop/sandbox/checkouts/{paid}"),
        StatusCode::OK,
    )
    .await;
    let transaction = view["transaction_id"].as_str().unwrap();
    for shown in [
        transaction,
        "&quot;status&quot;: &quot;completed&quot;",
        "&lt;script&gt;alert('checkout')&lt;/script&gt;",
        "ctm_",
        "add_",
        "&quot;postal_code&quot;: &quot;10001&quot;",
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    assert!(!page.contains("<script>alert"), "escaped: {page}");

    // The other environment, and another account, don't hold it.
    let live = page_text(&dashboard, "/accounts/shop/live/checkouts", StatusCode::OK).await;
    assert!(live.contains("No checkouts opened yet."), "{live}");
    assert!(!live.contains(&paid));
    let elsewhere = format!("/accounts/shop/live/checkouts/{paid}");
    page_text(&dashboard, &elsewhere, StatusCode::NOT_FOUND).await;
    let anonymous = Dashboard::new(&app)
        .get("/accounts/shop/sandbox/checkouts")
        .await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_setting_subscribed_from_the_form_receives_transaction_completed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let dashboard = Dashboard::signed_in(&app).await;
    let path = "/accounts/shop/sandbox/notifications";
    let form = page_text(&dashboard, path, StatusCode::OK).await;
    for event in [
        "transaction.created",
        "transaction.updated",
        "transaction.ready",
        "transaction.paid",
        "transaction.completed",
        "transaction.payment_failed",
        "customer.created",
        "customer.updated",
        "address.created",
        "address.updated",
    ] {
        let checkbox = format!("name=\"subscribed_events\" value=\"{event}\"");
        assert!(form.contains(&checkbox), "the form offers {event}");
    }
    let mut receiver = Receiver::start(&[]).await;
    let made = dashboard
        .post_with_csrf(
            path,
            &[
                ("destination", &receiver.url),
                ("subscribed_events", "transaction.completed"),
                ("active", "true"),
            ],
        )
        .await;
    // Post/redirect/get: a refresh of the answer can't make a second one.
    assert_eq!(made.status(), StatusCode::SEE_OTHER);

    let checkouts = app.checkouts();
    let opened = checkouts.open(&shop, items(&[(ONCE, 1)])).await;
    let completed = checkouts.complete(&id_of(&opened), "paid").await;
    assert_eq!(completed["state"], "completed");

    let received = receiver.next().await.json();
    assert_eq!(received["event_type"], "transaction.completed");
    assert_eq!(received["data"]["id"], opened["transaction_id"]);
    assert_eq!(received["data"]["status"], "completed");
    assert_eq!(received["data"]["customer_id"], completed["customer"]["id"]);
    // Only what the setting subscribed to.
    receiver
        .expect_nothing_for(std::time::Duration::from_millis(500))
        .await;
}
