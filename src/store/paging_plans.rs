//! A page after a cursor starts at the cursor in the index, on both
//! databases. SQLite plans a list statement once for every cursor, and
//! Postgres may too (the generic plan of a prepared statement, which it
//! chooses after five executions when it costs no more than the custom
//! ones, or always under `plan_cache_mode = force_generic_plan`). So the
//! plan made without the cursor's value must search the index from it: one
//! that filters on the cursor instead reads every row before it, and paging
//! through a large list grows with the square of its length.

use sqlx::{AssertSqlSafe, Connection, PgConnection, Row};

use super::api_key_rotations::list_rotations;
use super::api_keys::list_api_keys;
use super::client_tokens::list_client_tokens;
use super::scratch::Scratch;
use super::{Access, PostgresStore, SqliteStore};
use crate::domain::Direction;

/// Each list's page after a cursor, in `direction` (whose cursor condition
/// reads `after` in a plan): its statement, the index search SQLite's plan
/// must show, and for Postgres the statement's parameter types and the
/// condition its index scan must hold.
fn pages(direction: Direction, after: &str) -> [(String, String, &'static str, String); 3] {
    [
        (
            list_client_tokens(direction, true),
            format!("(account=? AND environment=? AND id{after}?)"),
            "text, text, text, text, bigint, text",
            format!("(account = $1) AND (environment = $2) AND (id {after} $6)"),
        ),
        (
            list_api_keys(direction, true),
            format!("(account=? AND environment=? AND id{after}?)"),
            "text, text, bigint, text",
            format!("(account = $1) AND (environment = $2) AND (id {after} $4)"),
        ),
        (
            list_rotations(direction, 0, true),
            format!("(api_key_id=? AND id{after}?)"),
            "text, bigint, text",
            format!("(api_key_id = $1) AND (id {after} $3)"),
        ),
    ]
}

/// Each direction, and how its cursor condition reads in a plan.
const DIRECTIONS: [(Direction, &str); 2] =
    [(Direction::Ascending, ">"), (Direction::Descending, "<")];

#[tokio::test]
async fn on_sqlite_a_page_after_a_cursor_searches_the_index_from_it() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("paddock.sqlite3");
    let store = SqliteStore::open_file(&path, Access::Command)
        .await
        .unwrap();
    for (direction, after) in DIRECTIONS {
        for (statement, searched, _, _) in pages(direction, after) {
            // Unbound, the placeholders are null: the plan is the prepared one.
            let plan: Vec<String> =
                sqlx::raw_sql(AssertSqlSafe(format!("explain query plan {statement}")))
                    .fetch_all(&store.reader)
                    .await
                    .unwrap()
                    .iter()
                    .map(|step| step.get("detail"))
                    .collect();
            assert!(
                plan.iter().any(|step| step.contains(&searched)),
                "{statement}\n{plan:#?}"
            );
        }
    }
}

#[tokio::test]
async fn on_postgres_a_page_after_a_cursor_searches_the_index_from_it() {
    let Some(database) = Scratch::create().await else {
        return;
    };
    // Creates the schema.
    PostgresStore::connect(&database.url).await.unwrap();
    let mut connection = PgConnection::connect(&database.url).await.unwrap();
    sqlx::raw_sql("set plan_cache_mode = force_generic_plan")
        .execute(&mut connection)
        .await
        .unwrap();
    for (direction, after) in DIRECTIONS {
        for (statement, _, types, searched) in pages(direction, after) {
            let prepare = format!("prepare page ({types}) as {statement}");
            sqlx::raw_sql(AssertSqlSafe(prepare))
                .execute(&mut connection)
                .await
                .unwrap();
            let nulls = vec!["null"; types.split(", ").count()].join(", ");
            let plan: Vec<String> =
                sqlx::raw_sql(AssertSqlSafe(format!("explain execute page ({nulls})")))
                    .fetch_all(&mut connection)
                    .await
                    .unwrap()
                    .iter()
                    .map(|step| step.get(0))
                    .collect();
            sqlx::raw_sql("deallocate page")
                .execute(&mut connection)
                .await
                .unwrap();
            let from_cursor =
                |step: &String| step.contains("Index Cond") && step.contains(&searched);
            assert!(plan.iter().any(from_cursor), "{statement}\n{plan:#?}");
        }
    }
}
