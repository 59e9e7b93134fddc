//! `paddock keys create --json`, `keys list --json` and `keys list --account`.

use serde_json::{Value, json};

use crate::harness::*;

fn created_json(data_dir: &std::path::Path, account: &str) -> Value {
    let created = run_keys(
        data_dir,
        [
            "create",
            "--account",
            account,
            "--permissions",
            "client_token.read",
            "--name",
            "CI",
            "--json",
        ],
    );
    assert!(created.status.success(), "{created:?}");
    serde_json::from_str(&created.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}):\n{}", created.stdout))
}

#[test]
fn keys_create_json_prints_the_key_once_with_its_details() {
    let dir = tempfile::tempdir().unwrap();
    let created = created_json(dir.path(), "shop");
    let key = created["key"].as_str().expect("the key, this once");
    assert!(api_key_in(key, "sdbx").is_some(), "{created}");
    assert_eq!(created["id"], key_id(key).as_str());
    assert_eq!(created["account"], "shop");
    assert_eq!(created["environment"], "sandbox");
    assert_eq!(created["name"], "CI");
    assert_eq!(created["permissions"], json!(["client_token.read"]));
    assert_eq!(created["status"], "active");
    assert_eq!(created["expires_at"], Value::Null);
    assert_eq!(created["rotatable"], false);
    assert_eq!(created.to_string().matches("pdl_").count(), 1, "{created}");
}

#[test]
fn keys_list_json_shows_every_key_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let shop = created_json(dir.path(), "shop");
    let blog = created_json(dir.path(), "blog");

    let listed = run_keys(dir.path(), ["list", "--json"]);
    assert!(listed.status.success(), "{listed:?}");
    assert!(!listed.stdout.contains("pdl_"), "{}", listed.stdout);
    let listed: Value = serde_json::from_str(&listed.stdout).expect("a JSON array");
    let keys = listed.as_array().expect("an array");
    assert_eq!(keys.len(), 2, "{listed}");
    let row = keys.iter().find(|key| key["id"] == shop["id"]).unwrap();
    for field in [
        "id",
        "account",
        "environment",
        "name",
        "permissions",
        "status",
        "expires_at",
        "rotatable",
    ] {
        assert_eq!(row[field], shop[field], "{field}");
    }
    assert!(keys.iter().any(|key| key["id"] == blog["id"]));
}

#[test]
fn keys_list_filters_by_account() {
    let dir = tempfile::tempdir().unwrap();
    let shop = created_json(dir.path(), "shop");
    let blog = created_json(dir.path(), "blog");
    let (shop_id, blog_id) = (shop["id"].as_str().unwrap(), blog["id"].as_str().unwrap());

    let listed = run_keys(dir.path(), ["list", "--account", "shop", "--json"]);
    assert!(listed.status.success(), "{listed:?}");
    let listed: Value = serde_json::from_str(&listed.stdout).unwrap();
    let ids: Vec<&str> = (listed.as_array().unwrap().iter())
        .map(|key| key["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [shop_id]);

    let table = run_keys(dir.path(), ["list", "--account", "blog"]);
    assert!(table.status.success(), "{table:?}");
    assert!(table.stdout.starts_with("ID "), "{}", table.stdout);
    assert!(table.stdout.contains(blog_id), "{}", table.stdout);
    assert!(!table.stdout.contains(shop_id), "{}", table.stdout);
    let row = (table.stdout.lines())
        .find(|line| line.starts_with(blog_id))
        .unwrap();
    assert_eq!(row.split_whitespace().nth(1), Some("blog"), "{row}");

    let none = run_keys(dir.path(), ["list", "--account", "nobody", "--json"]);
    assert!(none.status.success(), "{none:?}");
    assert_eq!(
        serde_json::from_str::<Value>(&none.stdout).unwrap(),
        json!([])
    );
}
