//! The query of `GET /client-tokens`: cursor, page size, order and status filter.

use super::validation::message;
use super::{ClientTokenId, ClientTokenStatus, FieldError, ValidationErrors};

pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

/// A validated list query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    pub after: Option<ClientTokenId>,
    pub per_page: u32,
    pub direction: Direction,
    pub statuses: Vec<ClientTokenStatus>,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            after: None,
            per_page: DEFAULT_PER_PAGE,
            direction: Direction::Descending,
            statuses: vec![ClientTokenStatus::Active],
        }
    }
}

impl ListQuery {
    /// Parses decoded query pairs. Unknown parameters are ignored, as HTTP
    /// clients and proxies add their own; a repeated parameter's last value wins.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ValidationErrors> {
        let (mut after, mut per_page, mut order_by, mut status) = (None, None, None, None);
        for (name, value) in pairs {
            match name {
                "after" => after = Some(value),
                "per_page" => per_page = Some(value),
                "order_by" => order_by = Some(value),
                "status" => status = Some(value),
                _ => {}
            }
        }
        let mut query = Self::default();
        let mut errors = Vec::new();
        let mut check = |field: &str, result: Result<(), String>| {
            if let Err(message) = result {
                errors.push(ValidationErrors::rule(field, message));
            }
        };
        if let Some(value) = after {
            check("after", parse_after(value).map(|id| query.after = Some(id)));
        }
        if let Some(value) = order_by {
            check(
                "order_by",
                parse_order_by(value).map(|d| query.direction = d),
            );
        }
        if let Some(value) = status {
            check("status", parse_statuses(value).map(|s| query.statuses = s));
        }
        if let Some(value) = per_page {
            match parse_per_page(value) {
                Ok(n) => query.per_page = n,
                Err(error) => errors.push(error),
            }
        }
        // A value of the wrong type fails before any range is checked.
        match ValidationErrors::combine(errors) {
            None => Ok(query),
            Some(errors) => Err(errors),
        }
    }
}

/// The query of a list of API keys or rotations: `after`, `per_page`,
/// `order_by` and, where `ids_allowed`, an `id` filter (a comma list).
/// Unknown parameters are ignored, as for client tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageQuery<Id> {
    pub after: Option<Id>,
    pub per_page: u32,
    pub direction: Direction,
    pub ids: Vec<Id>,
}

impl<Id> PageQuery<Id> {
    /// `parse_id` reads one id; `id_rule` says what one looks like.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        parse_id: impl Fn(&str) -> Option<Id>,
        id_rule: &str,
        ids_allowed: bool,
    ) -> Result<Self, ValidationErrors> {
        let mut query = Self {
            after: None,
            per_page: DEFAULT_PER_PAGE,
            direction: Direction::Ascending,
            ids: Vec::new(),
        };
        let mut values = std::collections::BTreeMap::new();
        for (name, value) in pairs {
            match name {
                "after" | "per_page" | "order_by" => values.insert(name, value),
                "id" if ids_allowed => values.insert(name, value),
                _ => None,
            };
        }
        let mut errors = Vec::new();
        let invalid_id = || format!("must be a valid id ({id_rule})");
        for (name, value) in values {
            let result = match name {
                "after" => parse_id(value)
                    .map(|id| query.after = Some(id))
                    .ok_or_else(invalid_id),
                "per_page" => {
                    match parse_per_page(value) {
                        Ok(n) => query.per_page = n,
                        Err(error) => errors.push(error),
                    }
                    Ok(())
                }
                "order_by" => parse_order_by(value).map(|d| query.direction = d),
                _ => value
                    .split(',')
                    .map(&parse_id)
                    .collect::<Option<Vec<_>>>()
                    .map(|ids| query.ids = ids)
                    .ok_or_else(|| format!("must be a comma-separated list of ids ({id_rule})")),
            };
            if let Err(message) = result {
                errors.push(ValidationErrors::rule(name, message));
            }
        }
        // A value of the wrong type fails before any range is checked.
        match ValidationErrors::combine(errors) {
            None => Ok(query),
            Some(errors) => Err(errors),
        }
    }
}

fn parse_after(value: &str) -> Result<ClientTokenId, String> {
    ClientTokenId::parse(value)
        .ok_or_else(|| "must be a valid client token id (ctkn_...)".to_owned())
}

/// A number over the maximum is clamped, as Paddle does. What is not an
/// integer (`1.5`, `abc`) is the wrong type, as Paddle answers it; zero and
/// negatives are out of range.
fn parse_per_page(value: &str) -> Result<u32, ValidationErrors> {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationErrors::Schema(vec![FieldError::new(
            "per_page",
            message::INVALID_INPUT,
        )]));
    }
    // All digits: anything that overflows is far above the maximum.
    let n = digits.parse::<u64>().unwrap_or(u64::MAX);
    if n == 0 || value.starts_with('-') {
        let rule = format!("must be an integer between 1 and {MAX_PER_PAGE}");
        return Err(ValidationErrors::rule("per_page", rule));
    }
    Ok(n.min(u64::from(MAX_PER_PAGE)) as u32)
}

/// `id[ASC]` or `id[DESC]`; the direction's case is ignored because the
/// official Python and PHP SDKs send `id[asc]`.
fn parse_order_by(value: &str) -> Result<Direction, String> {
    let invalid = || message::one_of(&["id[ASC]", "id[DESC]"]);
    let direction = value
        .strip_prefix("id[")
        .and_then(|rest| rest.strip_suffix(']'))
        .ok_or_else(invalid)?;
    if direction.eq_ignore_ascii_case("asc") {
        Ok(Direction::Ascending)
    } else if direction.eq_ignore_ascii_case("desc") {
        Ok(Direction::Descending)
    } else {
        Err(invalid())
    }
}

fn parse_statuses(value: &str) -> Result<Vec<ClientTokenStatus>, String> {
    let mut statuses = Vec::new();
    for name in value.split(',') {
        let status = name
            .parse()
            .map_err(|_| message::comma_separated_list_of(&ClientTokenStatus::NAMES))?;
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    Ok(statuses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_fifty_newest_active() {
        assert_eq!(ListQuery::parse([]), Ok(ListQuery::default()));
    }

    #[test]
    fn clamps_large_pages_and_rejects_nonsense() {
        assert_eq!(
            ListQuery::parse([("per_page", "1000")]).unwrap().per_page,
            200
        );
        assert_eq!(
            ListQuery::parse([("per_page", "99999999999999999999999")])
                .unwrap()
                .per_page,
            200
        );
        for out_of_range in ["0", "-1", "-0"] {
            let error = ListQuery::parse([("per_page", out_of_range)]).unwrap_err();
            assert!(matches!(error, ValidationErrors::Rule(_)), "{out_of_range}");
        }
        for wrong_type in ["abc", "", "1.5", "1e2", "+", "--1"] {
            let error = ListQuery::parse([("per_page", wrong_type)]).unwrap_err();
            let invalid =
                ValidationErrors::Schema(vec![FieldError::new("per_page", "invalid input")]);
            assert_eq!(error, invalid, "{wrong_type}");
        }
        // A sign is part of an integer, as Go's strconv reads one.
        assert_eq!(ListQuery::parse([("per_page", "+3")]).unwrap().per_page, 3);
    }

    #[test]
    fn accepts_either_case_of_direction() {
        for (text, direction) in [
            ("id[ASC]", Direction::Ascending),
            ("id[asc]", Direction::Ascending),
            ("id[DESC]", Direction::Descending),
            ("id[desc]", Direction::Descending),
        ] {
            assert_eq!(
                ListQuery::parse([("order_by", text)]).unwrap().direction,
                direction
            );
        }
        for bad in ["name[ASC]", "id", "id[up]", "ID[ASC]"] {
            assert!(ListQuery::parse([("order_by", bad)]).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_last_of_a_repeated_parameter_counts() {
        assert_eq!(
            ListQuery::parse([("per_page", "0"), ("per_page", "5")])
                .unwrap()
                .per_page,
            5
        );
        assert!(ListQuery::parse([("per_page", "5"), ("per_page", "0")]).is_err());
    }

    #[test]
    fn status_is_a_comma_list() {
        let query = ListQuery::parse([("status", "revoked,active")]).unwrap();
        assert_eq!(
            query.statuses,
            [ClientTokenStatus::Revoked, ClientTokenStatus::Active]
        );
        for bad in ["", "expired", "active,", "ACTIVE"] {
            assert!(ListQuery::parse([("status", bad)]).is_err(), "{bad}");
        }
    }
}
