//! The page frame every dashboard page shares, and small pieces of forms.
//! maud escapes every value it interpolates; nothing here uses
//! `PreEscaped` on data.

use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::{UI, words};
use crate::domain::{Environment, FieldError, Timestamp};

/// Where a page sits: an account and environment, and which section.
pub struct Place<'a> {
    pub account: &'a str,
    pub environment: Environment,
    pub section: Section,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    ClientTokens,
    ApiKeys,
    Notifications,
    Catalog,
    Checkouts,
    Requests,
}

impl Section {
    const ALL: [Section; 6] = [
        Section::ClientTokens,
        Section::ApiKeys,
        Section::Notifications,
        Section::Catalog,
        Section::Checkouts,
        Section::Requests,
    ];

    fn path(self) -> &'static str {
        match self {
            Section::ClientTokens => "client-tokens",
            Section::ApiKeys => "api-keys",
            Section::Notifications => "notifications",
            Section::Catalog => "catalog",
            Section::Checkouts => "checkouts",
            Section::Requests => "requests",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Section::ClientTokens => "Client-side tokens",
            Section::ApiKeys => "API keys",
            Section::Notifications => "Notifications",
            Section::Catalog => "Catalog",
            Section::Checkouts => "Checkouts",
            Section::Requests => "Request log",
        }
    }
}

/// The path of a section of an account's environment.
pub fn section_path(account: &str, environment: Environment, section: Section) -> String {
    format!(
        "{UI}/accounts/{}/{}/{}",
        encode(account),
        environment.as_str(),
        section.path()
    )
}

/// A path segment, percent-encoded (account names are plain, but a path
/// is built from whatever the URL held).
pub fn encode(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A whole page: header with navigation (when signed in), then `body`.
pub fn page(title: &str, csrf: Option<&str>, place: Option<&Place>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · paddock" }
                link rel="icon" type="image/svg+xml" href={ (UI) "/favicon.svg" };
                link rel="stylesheet" href={ (UI) "/style.css" };
                script src={ (UI) "/copy.js" } defer {}
            }
            body {
                header.top {
                    a.brand href={ (UI) "/" } { "paddock" }
                    span.muted { "Developer tools" }
                    @if let Some(csrf) = csrf {
                        nav.top-nav aria-label="Site" {
                            a href={ (UI) "/accounts" } { "Accounts" }
                            form method="post" action={ (UI) "/sign-out" } {
                                input type="hidden" name="csrf" value=(csrf);
                                button.link type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                @if let Some(place) = place { (place_nav(place)) }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// The account's sections, and the sandbox/live switch.
fn place_nav(place: &Place) -> Markup {
    let other = match place.environment {
        Environment::Sandbox => Environment::Live,
        Environment::Live => Environment::Sandbox,
    };
    html! {
        nav.sections aria-label="Account" {
            span.account { "Account " strong { (place.account) } }
            span.env-switch {
                @for environment in [Environment::Sandbox, Environment::Live] {
                    @if environment == place.environment {
                        span.env.current aria-current="true" { (environment.as_str()) }
                    } @else {
                        a.env href=(section_path(place.account, other, place.section)) { (environment.as_str()) }
                    }
                }
            }
            ul {
                @for section in Section::ALL {
                    li {
                        @if section == place.section {
                            a aria-current="page" href=(section_path(place.account, place.environment, section)) { (section.title()) }
                        } @else {
                            a href=(section_path(place.account, place.environment, section)) { (section.title()) }
                        }
                    }
                }
            }
        }
    }
}

/// An HTML response with `status`.
pub fn respond(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// A page that says what went wrong, with `status`.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = html! {
        p.error role="alert" { (message) }
        p { a href={ (UI) "/" } { "Back to the dashboard" } }
    };
    respond(status, page(title, None, None, body))
}

/// The hidden CSRF field every changing form carries.
pub fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// The messages of `errors` about `field`, in plain words, shown under it.
pub fn field_errors(errors: &[FieldError], field: &str) -> Markup {
    let plain = errors.iter().map(words::plain);
    html! {
        @for error in plain.filter(|error| error.field == field) {
            p.field-error id={ (field) "-error" } { (error.message) }
        }
    }
}

/// Errors about fields the form doesn't show, at the top of the form.
pub fn other_errors(errors: &[FieldError], shown: &[&str]) -> Markup {
    let plain = errors.iter().map(words::plain);
    html! {
        @for error in plain.filter(|error| !shown.contains(&error.field.as_str())) {
            p.field-error { (error.field) ": " (error.message) }
        }
    }
}

/// A secret and a button that copies it (copy.js; without script, select it).
pub fn copyable(id: &str, value: &str) -> Markup {
    html! {
        span.copyable {
            code id=(id) { (value) }
            button.copy type="button" data-copy=(id) { "Copy" }
        }
    }
}

/// A time as a person reads it (`7 Dec 2026, 20:18:01 UTC`), its RFC 3339
/// value in `datetime` and on hover.
pub fn time(at: Option<Timestamp>) -> Markup {
    html! {
        @match at {
            Some(at) => time datetime=(at) title=(at) { (readable(&at.to_string())) },
            None => span.muted { "—" },
        }
    }
}

/// `2026-12-07T20:18:01.123456Z` → `7 Dec 2026, 20:18:01 UTC`.
fn readable(rfc3339: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let part = |range: std::ops::Range<usize>| rfc3339.get(range).unwrap_or_default();
    let month = part(5..7).parse::<usize>().ok();
    match (
        month.and_then(|m| MONTHS.get(m.wrapping_sub(1))),
        part(8..10).parse::<u8>(),
    ) {
        (Some(month), Ok(day)) => format!("{day} {month} {}, {} UTC", part(0..4), part(11..19)),
        _ => rfc3339.to_owned(),
    }
}

/// The "New …" action at the top of a list: to its form, further down.
pub fn new_action(form_id: &str, label: &str) -> Markup {
    html! { p.list-actions { a.button href={ "#" (form_id) } { (label) } } }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_as_a_date_and_a_utc_time() {
        assert_eq!(
            super::readable("2026-12-07T20:18:01.123456Z"),
            "7 Dec 2026, 20:18:01 UTC"
        );
        assert_eq!(super::readable("nonsense"), "nonsense");
    }
}
