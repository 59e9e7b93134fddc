//! Which journal entries a question is about: `method`, `path`,
//! `path_prefix`, `status`, `api_key_id`, `client_token_id`, `since`,
//! `until`, each optional.

use super::JournalEntry;
use crate::domain::validation::message::Problem;
use crate::domain::{ApiKeyId, ClientTokenId, FieldError, Timestamp, ValidationErrors};

/// A validated filter; the default matches every entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JournalFilter {
    method: Option<String>,
    path: Option<String>,
    path_prefix: Option<String>,
    /// Any of these; empty for any status.
    statuses: Vec<StatusMatch>,
    api_key_id: Option<ApiKeyId>,
    client_token_id: Option<ClientTokenId>,
    /// From this instant on, inclusive.
    since: Option<Timestamp>,
    /// Before this instant, exclusive.
    until: Option<Timestamp>,
}

/// `201`, or a class such as `4xx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StatusMatch {
    Code(u16),
    Class(u16),
}

impl JournalFilter {
    pub const PARAMETERS: [&'static str; 8] = [
        "method",
        "path",
        "path_prefix",
        "status",
        "api_key_id",
        "client_token_id",
        "since",
        "until",
    ];

    /// Parses decoded query pairs; a repeated parameter's last value wins.
    /// Every problem is a `bad_request` field error naming its parameter,
    /// an unknown parameter too: a misspelt filter must not quietly match
    /// everything.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ValidationErrors> {
        let mut filter = Self::default();
        let mut values = std::collections::BTreeMap::new();
        let mut errors = Vec::new();
        for (name, value) in pairs {
            if Self::PARAMETERS.contains(&name) {
                values.insert(name, value);
            } else if !errors.iter().any(|e: &FieldError| e.field == name) {
                let known = Self::PARAMETERS.join(", ");
                let message = format!("is not a filter; the filters are: {known}");
                errors.push(FieldError::new(name, message));
            }
        }
        for (name, value) in values {
            let result = match name {
                "method" => parse_method(value).map(|m| filter.method = Some(m)),
                "path" => parse_path(value).map(|p| filter.path = Some(p)),
                "path_prefix" => parse_path(value).map(|p| filter.path_prefix = Some(p)),
                "status" => parse_statuses(value).map(|s| filter.statuses = s),
                "api_key_id" => (ApiKeyId::parse(value))
                    .map(|id| filter.api_key_id = Some(id))
                    .ok_or_else(|| "must be a valid id (apikey_...)".to_owned()),
                "client_token_id" => (ClientTokenId::parse(value))
                    .map(|id| filter.client_token_id = Some(id))
                    .ok_or_else(|| "must be a valid id (ctkn_...)".to_owned()),
                "since" => parse_instant(value).map(|at| filter.since = Some(at)),
                _ => parse_instant(value).map(|at| filter.until = Some(at)),
            };
            if let Err(message) = result {
                errors.push(FieldError::new(name, message));
            }
        }
        match errors.is_empty() {
            true => Ok(filter),
            false => Err(ValidationErrors::Schema(errors)),
        }
    }

    pub fn matches(&self, entry: &JournalEntry) -> bool {
        let status = |wanted: &StatusMatch| match *wanted {
            StatusMatch::Code(code) => entry.status == code,
            StatusMatch::Class(class) => entry.status / 100 == class,
        };
        self.method.as_ref().is_none_or(|m| *m == entry.method)
            && self.path.as_ref().is_none_or(|p| *p == entry.path)
            && (self.path_prefix.as_ref()).is_none_or(|p| entry.path.starts_with(p.as_str()))
            && (self.statuses.is_empty() || self.statuses.iter().any(status))
            && (self.api_key_id.as_ref()).is_none_or(|id| Some(id) == entry.credential.api_key_id())
            && (self.client_token_id.as_ref())
                .is_none_or(|id| Some(id) == entry.credential.client_token_id())
            && self.since.is_none_or(|since| entry.occurred_at >= since)
            && self.until.is_none_or(|until| entry.occurred_at < until)
    }
}

/// Letters only, as methods are; matched in upper case (`post` is `POST`).
fn parse_method(value: &str) -> Result<String, String> {
    match !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphabetic()) {
        true => Ok(value.to_ascii_uppercase()),
        false => Err("must be an HTTP method, such as GET or POST".to_owned()),
    }
}

fn parse_path(value: &str) -> Result<String, String> {
    match value.starts_with('/') {
        true => Ok(value.to_owned()),
        false => Err("must be a path starting with /".to_owned()),
    }
}

/// A comma list of codes (`201`) and classes (`2xx`, `4XX`).
fn parse_statuses(value: &str) -> Result<Vec<StatusMatch>, String> {
    (value.split(','))
        .map(parse_status)
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            "must be a status code (201) or class (2xx), or a comma-separated list of them"
                .to_owned()
        })
}

fn parse_status(text: &str) -> Option<StatusMatch> {
    let bytes = text.as_bytes();
    if bytes.len() != 3 || !(b'1'..=b'5').contains(&bytes[0]) {
        return None;
    }
    if text[1..].eq_ignore_ascii_case("xx") {
        return Some(StatusMatch::Class(u16::from(bytes[0] - b'0')));
    }
    (bytes.iter().all(u8::is_ascii_digit))
        .then(|| text.parse().ok().map(StatusMatch::Code))
        .flatten()
}

/// RFC 3339, any offset and precision, as fixtures take it.
fn parse_instant(value: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(value).ok_or_else(|| Problem::Format("date-time").message(""))
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::domain::journal::{Credential, RecordedBody};

    fn entry(method: &str, path: &str, status: u16, at: &str) -> JournalEntry {
        JournalEntry {
            method: method.into(),
            path: path.into(),
            query: None,
            status,
            request_id: Uuid::new_v4(),
            credential: Credential::ApiKey(
                ApiKeyId::parse("apikey_01gtgztp8f4kek3yd4g1wrksa3").unwrap(),
            ),
            occurred_at: Timestamp::parse_rfc3339(at).unwrap(),
            request_body: RecordedBody::default(),
            response_body: RecordedBody::default(),
        }
    }

    fn filter(pairs: &[(&str, &str)]) -> JournalFilter {
        JournalFilter::parse(pairs.iter().copied()).unwrap()
    }

    #[test]
    fn each_filter_narrows_and_they_combine() {
        let post = entry("POST", "/client-tokens", 201, "2026-01-01T10:00:00Z");
        let get = entry("GET", "/client-tokens/ctkn_1", 404, "2026-01-01T11:00:00Z");
        // The query, then whether it matches each of the two entries.
        type Case<'a> = (&'a [(&'a str, &'a str)], [bool; 2]);
        let cases: &[Case] = &[
            (&[], [true, true]),
            (&[("method", "post")], [true, false]),
            (&[("path", "/client-tokens")], [true, false]),
            (&[("path_prefix", "/client-tokens")], [true, true]),
            (&[("status", "201")], [true, false]),
            (&[("status", "4xx")], [false, true]),
            (&[("status", "201,404")], [true, true]),
            (
                &[("api_key_id", "apikey_01gtgztp8f4kek3yd4g1wrksa3")],
                [true, true],
            ),
            (
                &[("api_key_id", "apikey_01gtgztp8f4kek3yd4g1wrksa4")],
                [false, false],
            ),
            (
                &[("client_token_id", "ctkn_01gtgztp8f4kek3yd4g1wrksa3")],
                [false, false],
            ),
            (&[("since", "2026-01-01T11:00:00Z")], [false, true]),
            (&[("until", "2026-01-01T11:00:00Z")], [true, false]),
            (&[("since", "2026-01-01T12:00:00+02:00")], [true, true]),
            (&[("method", "POST"), ("status", "2xx")], [true, false]),
            (&[("method", "GET"), ("status", "2xx")], [false, false]),
        ];
        for (pairs, expected) in cases {
            let filter = filter(pairs);
            assert_eq!(
                [filter.matches(&post), filter.matches(&get)],
                *expected,
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn bad_values_and_unknown_parameters_name_their_parameter() {
        for (name, bad) in [
            ("method", ""),
            ("method", "GET,POST"),
            ("path", "client-tokens"),
            ("path_prefix", ""),
            ("status", "20"),
            ("status", "600"),
            ("status", "6xx"),
            ("status", "201,"),
            ("api_key_id", "apikey_X"),
            ("client_token_id", "ctkn_X"),
            ("since", "yesterday"),
            ("until", "2026-01-01"),
            ("stauts", "201"),
        ] {
            let error = JournalFilter::parse([(name, bad)]).unwrap_err();
            let ValidationErrors::Schema(errors) = error else {
                panic!("{name}={bad}: not bad_request");
            };
            assert_eq!(errors.len(), 1, "{name}={bad}");
            assert_eq!(errors[0].field, name, "{name}={bad}");
        }
        let error = JournalFilter::parse([("since", "x")]).unwrap_err();
        assert_eq!(
            error.errors()[0].message,
            "Does not match format 'date-time'"
        );
    }

    #[test]
    fn the_last_of_a_repeated_parameter_counts() {
        assert_eq!(
            filter(&[("status", "x"), ("status", "201")]),
            filter(&[("status", "201")])
        );
    }
}
