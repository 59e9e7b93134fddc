//! API keys: list (obfuscated), create with permissions and an expiry (the
//! key shown once, in the answer to the POST itself, never in a URL),
//! revoke from the key's page (`api_key`), after a confirmation.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde_json::{Map, Value};

use super::extract::{PathOwner, Posted};
use super::form::FormData;
use super::layout::{
    Place, Section, csrf_field, field_errors, new_action, other_errors, page, respond,
    section_path, time,
};
use super::reveal::show_once;
use super::session::Signed;
use super::{PageResult, UI};
use super::{api_key, rotations};
use crate::domain::{FieldError, NewApiKey, Owner, Permission};
use crate::http::AppState;
use crate::service::Reveal;

/// The expiries offered, in days; the empty value is "never".
const EXPIRIES: [(&str, &str); 5] = [
    ("", "Never"),
    ("7", "7 days"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "1 year"),
];

pub fn routes() -> Router<AppState> {
    let base = format!("{UI}/accounts/{{account}}/{{environment}}/api-keys");
    Router::new()
        .route(&base, get(list).post(create))
        .route(&format!("{base}/{{id}}"), get(api_key::show))
        .route(&format!("{base}/{{id}}/revoke"), post(api_key::revoke))
        .route(&format!("{base}/{{id}}/rotations"), post(rotations::rotate))
}

/// What the page shows besides the list: a form with its errors.
#[derive(Default)]
struct Extra<'a> {
    form: Option<&'a FormData>,
    errors: &'a [FieldError],
}

async fn list(
    State(state): State<AppState>,
    signed: Signed,
    PathOwner(owner): PathOwner,
) -> PageResult {
    render(&state, &signed, &owner, StatusCode::OK, Extra::default()).await
}

async fn render(
    state: &AppState,
    signed: &Signed,
    owner: &Owner,
    status: StatusCode,
    extra: Extra<'_>,
) -> PageResult {
    let api_keys = &state.services.api_keys;
    let mut keys = api_keys.list(Some(&owner.account)).await?;
    keys.retain(|key| key.environment == owner.environment);
    keys.reverse();
    let now = api_keys.now(&owner.account).await?;
    let base = section_path(&owner.account, owner.environment, Section::ApiKeys);
    let body = html! {
        (new_action("new-key", "New API key"))
        @if keys.is_empty() {
            p.muted { "No API keys in this environment." }
        } @else {
            div.table-wrap {
                table #api-keys {
                    thead { tr {
                        th { "Name" } th { "Key" } th { "Permissions" } th { "Status" }
                        th { "Expires" } th { "Last used" } th { span.visually-hidden { "Actions" } }
                    } }
                    tbody {
                        @for key in &keys {
                            @let status = key.status(now);
                            tr {
                                td data-label="Name" { a href={ (base) "/" (key.id.as_str()) } { (key.name) } }
                                td data-label="Key" { code { (key.id.obfuscated_key(key.environment)) } }
                                td data-label="Permissions" {
                                    @for permission in &key.permissions { code.perm { (permission.as_str()) } " " }
                                }
                                td data-label="Status" { span class={ "badge " (status.as_str()) } { (status.as_str()) } }
                                td data-label="Expires" { (time(key.expires_at)) }
                                td data-label="Last used" { (time(key.last_used_at)) }
                                td data-label="Actions" {
                                    @if status.is_active() {
                                        a.action href={ (base) "/" (key.id.as_str()) } aria-label={ "Revoke " (key.name) "…" } { "Revoke…" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        (create_form(&signed.csrf, &base, extra.form, extra.errors))
    };
    let place = Place {
        account: &owner.account,
        environment: owner.environment,
        section: Section::ApiKeys,
    };
    Ok(respond(
        status,
        page("API keys", Some(&signed.csrf), Some(&place), body),
    ))
}

fn create_form(csrf: &str, base: &str, form: Option<&FormData>, errors: &[FieldError]) -> Markup {
    let value = |name| form.and_then(|form| form.get(name)).unwrap_or_default();
    let checked = |permission: Permission| {
        form.is_some_and(|form| form.all("permissions").contains(&permission.as_str()))
    };
    html! {
        form.card #new-key method="post" action=(base) {
            h2 { "New API key" }
            (csrf_field(csrf))
            (other_errors(errors, &["name", "description", "permissions", "expires_at"]))
            label for="key-name" { "Name" }
            input #key-name type="text" name="name" value=(value("name")) aria-describedby="name-error";
            (field_errors(errors, "name"))
            label for="key-description" { "Description " span.muted { "(optional)" } }
            input #key-description type="text" name="description" value=(value("description"));
            (field_errors(errors, "description"))
            fieldset {
                legend { "Permissions" }
                @for permission in Permission::ALL {
                    @let id = format!("perm-{}", permission.as_str().replace('.', "-"));
                    div.check {
                        input id=(id) type="checkbox" name="permissions" value=(permission.as_str()) checked[checked(permission)];
                        label for=(id) { code { (permission.as_str()) } }
                    }
                }
                (field_errors(errors, "permissions"))
            }
            label for="key-expiry" { "Expires" }
            select #key-expiry name="expires_in_days" {
                @for (days, label) in EXPIRIES {
                    option value=(days) selected[value("expires_in_days") == days] { (label) }
                }
            }
            (field_errors(errors, "expires_at"))
            button type="submit" { "Create API key" }
        }
    }
}

async fn create(
    State(state): State<AppState>,
    Posted {
        signed,
        form,
        then: PathOwner(owner),
    }: Posted<PathOwner>,
) -> PageResult {
    let api_keys = &state.services.api_keys;
    let mut body = Map::new();
    body.insert(
        "environment".into(),
        Value::String(owner.environment.as_str().into()),
    );
    form.text_into(&mut body, "name", false);
    form.text_into(&mut body, "description", true);
    form.list_into(&mut body, "permissions");
    // An expiry counts from the account's clock, as the key's status will.
    let expires_at = match form.get("expires_in_days").unwrap_or_default() {
        "" => Value::Null,
        days => match days.parse::<i64>() {
            Ok(days) if (1..=3650).contains(&days) => {
                let now = api_keys.now(&owner.account).await?;
                let at = now.checked_add(time::Duration::days(days));
                at.map_or(Value::Null, |at| Value::String(at.to_string()))
            }
            _ => Value::String(days.to_owned()),
        },
    };
    body.insert("expires_at".into(), expires_at);
    let new = match NewApiKey::from_json(&body) {
        Ok(new) => new,
        Err(errors) => {
            let extra = Extra {
                form: Some(&form),
                errors: errors.errors(),
            };
            return render(&state, &signed, &owner, StatusCode::BAD_REQUEST, extra).await;
        }
    };
    let (key, secret) = api_keys.create(&owner.account, new).await?;
    let reveal = Reveal {
        kind: "api_key".into(),
        subject: key.id.as_str().to_owned(),
        name: key.name.clone(),
        secret: secret.expose().to_owned(),
    };
    show_once(&state, &owner, reveal).await
}
