//! Notification settings (create, edit, enable or disable, show the secret
//! on request) and each setting's deliveries, with a replay button.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde_json::Value;

use super::extract::{Named, PathOwner, Posted};
use super::form::FormData;
use super::layout::{Place, Section, csrf_field, new_action, page, respond, section_path, time};
use super::reveal::show_once;
use super::session::{Signed, see_other};
use super::setting_form::{Draft, active_badge, body_of, setting_fields};
use super::{PageResult, UI};
use crate::domain::{
    Delivery, DeliveryStatus, FieldError, NewNotificationSetting, NotificationSetting,
    NotificationSettingUpdate, Owner,
};
use crate::error::Error;
use crate::http::AppState;
use crate::service::Reveal;

pub fn routes() -> Router<AppState> {
    let base = format!("{UI}/accounts/{{account}}/{{environment}}/notifications");
    Router::new()
        .route(&base, get(list).post(create))
        .route(&format!("{base}/{{id}}"), get(show).post(update))
        .route(&format!("{base}/{{id}}/toggle"), post(toggle))
        .route(&format!("{base}/{{id}}/secret"), post(reveal))
        .route(&format!("{base}/{{id}}/replay"), post(replay))
}

/// The owner's setting `id`; others' settings are not found.
async fn setting(state: &AppState, owner: &Owner, id: &str) -> Result<NotificationSetting, Error> {
    match state.services.notifications.setting(id).await? {
        s if s.account == owner.account && s.environment == owner.environment => Ok(s),
        _ => Err(Error::NotFound(id.to_owned())),
    }
}

fn frame(
    signed: &Signed,
    owner: &Owner,
    title: &str,
    status: StatusCode,
    body: Markup,
) -> Response {
    let place = Place {
        account: &owner.account,
        environment: owner.environment,
        section: Section::Notifications,
    };
    respond(status, page(title, Some(&signed.csrf), Some(&place), body))
}

async fn list(
    State(state): State<AppState>,
    signed: Signed,
    PathOwner(owner): PathOwner,
) -> PageResult {
    render_list(&state, &signed, &owner, StatusCode::OK, None, &[]).await
}

async fn render_list(
    state: &AppState,
    signed: &Signed,
    owner: &Owner,
    status: StatusCode,
    form: Option<&FormData>,
    errors: &[FieldError],
) -> PageResult {
    let notifications = &state.services.notifications;
    let mut settings = notifications.settings(&owner.account).await?;
    settings.retain(|s| s.environment == owner.environment);
    let base = section_path(&owner.account, owner.environment, Section::Notifications);
    let body = html! {
        (new_action("new-setting", "New notification setting"))
        @if settings.is_empty() {
            p.muted { "No notification settings in this environment." }
        } @else {
            div.table-wrap {
                table #notification-settings {
                    thead { tr { th { "Destination" } th { "Events" } th { "Status" } th { "Created" } } }
                    tbody {
                        @for setting in &settings {
                            tr {
                                td data-label="Destination" {
                                    a href={ (base) "/" (setting.id) } { (setting.destination) }
                                    " " (failing_badge(&notifications.deliveries(&setting.id).await.unwrap_or_default()))
                                }
                                td data-label="Events" {
                                    @match setting.subscribed_events.len() { 1 => "1 event", n => (format!("{n} events")) }
                                }
                                td data-label="Status" { (active_badge(setting.active)) }
                                td data-label="Created" { (time(Some(setting.created_at))) }
                            }
                        }
                    }
                }
            }
        }
        form.card #new-setting method="post" action=(base) {
            h2 { "New notification setting" }
            (csrf_field(&signed.csrf))
            (setting_fields(form.map(Draft::Form).unwrap_or(Draft::New), errors))
            button type="submit" { "Create notification setting" }
        }
    };
    Ok(frame(signed, owner, "Notifications", status, body))
}

async fn create(
    State(state): State<AppState>,
    Posted {
        signed,
        form,
        then: PathOwner(owner),
    }: Posted<PathOwner>,
) -> PageResult {
    let new = match NewNotificationSetting::from_json(&body_of(&form, &owner, true)) {
        Ok(new) => new,
        Err(errors) => {
            let status = StatusCode::BAD_REQUEST;
            return render_list(
                &state,
                &signed,
                &owner,
                status,
                Some(&form),
                errors.errors(),
            )
            .await;
        }
    };
    let notifications = &state.services.notifications;
    let (setting, secret) = notifications.create_setting(&owner.account, new).await?;
    show_once(&state, &owner, secret_reveal(&setting, secret)).await
}

async fn show(
    State(state): State<AppState>,
    signed: Signed,
    PathOwner(owner): PathOwner,
    Path(Named { id }): Path<Named>,
) -> PageResult {
    let setting = setting(&state, &owner, &id).await?;
    render_setting(&state, &signed, &owner, &setting, Page::default()).await
}

/// What a setting's page shows besides the setting.
#[derive(Default)]
struct Page<'a> {
    status: Option<StatusCode>,
    form: Option<&'a FormData>,
    errors: &'a [FieldError],
}

async fn render_setting(
    state: &AppState,
    signed: &Signed,
    owner: &Owner,
    setting: &NotificationSetting,
    extra: Page<'_>,
) -> PageResult {
    let notifications = &state.services.notifications;
    let mut deliveries = notifications.deliveries(&setting.id).await?;
    deliveries.reverse();
    let events: HashMap<_, _> = (notifications.events(&owner.account).await?)
        .into_iter()
        .map(|event| (event.id.clone(), event))
        .collect();
    let base = format!(
        "{}/{}",
        section_path(&owner.account, owner.environment, Section::Notifications),
        setting.id
    );
    let draft = extra.form.map_or(Draft::Setting(setting), Draft::Form);
    let body = html! {
        p { a href=(section_path(&owner.account, owner.environment, Section::Notifications)) { "← All notification settings" } }
        dl.details {
            dt { "Destination" } dd #setting-destination { code { (setting.destination) } " " (failing_badge(&deliveries)) }
            dt { "ID" } dd { code { (setting.id) } }
            dt { "Status" } dd #setting-status { (active_badge(setting.active)) }
            dt { "Secret key" } dd {
                form.inline method="post" action={ (base) "/secret" } {
                    (csrf_field(&signed.csrf))
                    button.small type="submit" { "Show secret key" }
                }
            }
        }
        form.inline method="post" action={ (base) "/toggle" } {
            (csrf_field(&signed.csrf))
            button type="submit" { @if setting.active { "Disable" } @else { "Enable" } }
        }
        form.card method="post" action=(base) {
            h2 { "Edit" }
            (csrf_field(&signed.csrf))
            (setting_fields(draft, extra.errors))
            button type="submit" { "Save notification setting" }
        }
        h2 { "Deliveries" }
        @if deliveries.is_empty() {
            p.muted { "Nothing sent to this destination yet." }
        } @else {
            div.table-wrap {
                table #deliveries {
                    thead { tr { th { "Event" } th { "Status" } th { "Attempts" } th { "Response" } th { "Created" } th { span.visually-hidden { "Actions" } } } }
                    tbody {
                        @for delivery in &deliveries {
                            @let event = events.get(&delivery.event_id);
                            tr {
                                td data-label="Event" { @if let Some(event) = event { code { (event.event_type.as_str()) } } br; span.muted { (delivery.event_id) } }
                                td data-label="Status" { span class={ "badge " (delivery.status.as_str()) } { (delivery.status.as_str()) } }
                                td data-label="Attempts" { (delivery.attempts) }
                                td data-label="Response" {
                                    @if let Some(code) = delivery.last_response_code { (code) } @else { span.muted { "—" } }
                                    @if let Some(error) = &delivery.last_error { br; span.muted { (error) } }
                                }
                                td data-label="Created" { (time(Some(delivery.created_at))) }
                                td data-label="Actions" {
                                    form.inline method="post" action={ (base) "/replay" } {
                                        (csrf_field(&signed.csrf))
                                        input type="hidden" name="notification_id" value=(delivery.notification_id);
                                        button.small type="submit" aria-label={ "Replay " (delivery.notification_id) " to this destination" } { "Replay" }
                                    }
                                }
                            }
                            @if let Some(event) = event {
                                tr.viewer-row {
                                    td colspan="6" {
                                        details {
                                            summary { "Payload of " (delivery.notification_id) }
                                            pre.viewer tabindex="0" { (pretty(event.data.get())) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(frame(
        signed,
        owner,
        "Notification setting",
        extra.status.unwrap_or(StatusCode::OK),
        body,
    ))
}

/// "failing" when the destination's latest tried notification didn't
/// arrive: so a dead endpoint stands out where its name is shown.
fn failing_badge(deliveries: &[Delivery]) -> Markup {
    let latest = (deliveries.iter())
        .filter(|delivery| delivery.attempts > 0)
        .max_by_key(|delivery| delivery.created_at);
    match latest {
        Some(latest) if latest.status != DeliveryStatus::Delivered => {
            html! { span.badge.failed.failing title="The latest notification sent here didn't arrive" { "failing" } }
        }
        _ => html! {},
    }
}

fn pretty(json: &str) -> String {
    serde_json::from_str::<Value>(json)
        .and_then(|value| serde_json::to_string_pretty(&value))
        .unwrap_or_else(|_| json.to_owned())
}

async fn update(
    State(state): State<AppState>,
    Path(Named { id }): Path<Named>,
    Posted {
        signed,
        form,
        then: PathOwner(owner),
    }: Posted<PathOwner>,
) -> PageResult {
    let current = setting(&state, &owner, &id).await?;
    let update = match NotificationSettingUpdate::from_json(&body_of(&form, &owner, false)) {
        Ok(update) => update,
        Err(errors) => {
            let extra = Page {
                status: Some(StatusCode::BAD_REQUEST),
                form: Some(&form),
                errors: errors.errors(),
            };
            return render_setting(&state, &signed, &owner, &current, extra).await;
        }
    };
    save(&state, &owner, &current, update).await
}

async fn toggle(
    State(state): State<AppState>,
    Path(Named { id }): Path<Named>,
    Posted {
        then: PathOwner(owner),
        ..
    }: Posted<PathOwner>,
) -> PageResult {
    let current = setting(&state, &owner, &id).await?;
    let update = NotificationSettingUpdate {
        active: Some(!current.active),
        ..Default::default()
    };
    save(&state, &owner, &current, update).await
}

/// `POST .../secret`: the setting's secret, on a page shown once (no URL,
/// no history entry, no refresh shows it again).
async fn reveal(
    State(state): State<AppState>,
    Path(Named { id }): Path<Named>,
    Posted {
        signed: _,
        then: PathOwner(owner),
        ..
    }: Posted<PathOwner>,
) -> PageResult {
    let setting = setting(&state, &owner, &id).await?;
    let secret = state
        .services
        .notifications
        .reveal_secret(&setting.id)
        .await?;
    show_once(&state, &owner, secret_reveal(&setting, secret)).await
}

fn secret_reveal(setting: &NotificationSetting, secret: String) -> Reveal {
    Reveal {
        kind: "notification_setting".into(),
        subject: setting.id.clone(),
        name: format!("Secret key of {}", setting.destination),
        secret,
    }
}

/// `POST .../{id}/replay` with a `notification_id` of this setting's: that
/// notification again, to this destination only.
async fn replay(
    State(state): State<AppState>,
    Path(Named { id }): Path<Named>,
    Posted {
        form,
        then: PathOwner(owner),
        ..
    }: Posted<PathOwner>,
) -> PageResult {
    let setting = setting(&state, &owner, &id).await?;
    let notification_id = form.get("notification_id").unwrap_or_default();
    let notifications = &state.services.notifications;
    // Only this setting's own notifications.
    let not_found = || Error::NotFound(notification_id.to_owned());
    match notifications.delivery(notification_id).await {
        Ok(delivery) if delivery.notification_setting_id == setting.id => {}
        Ok(_) | Err(Error::NotFound(_)) => return Err(not_found().into()),
        Err(other) => return Err(other.into()),
    }
    notifications.replay_notification(notification_id).await?;
    Ok(see_other(&format!(
        "{}/{}",
        section_path(&owner.account, owner.environment, Section::Notifications),
        setting.id
    )))
}

/// Saves a change to `setting`, then shows its page again.
async fn save(
    state: &AppState,
    owner: &Owner,
    setting: &NotificationSetting,
    update: NotificationSettingUpdate,
) -> PageResult {
    let notifications = &state.services.notifications;
    notifications.update_setting(&setting.id, update).await?;
    let section = section_path(&owner.account, owner.environment, Section::Notifications);
    Ok(see_other(&format!("{section}/{}", setting.id)))
}
