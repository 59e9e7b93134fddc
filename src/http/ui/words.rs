//! Field errors as a person reads them. The domain's parsers speak the
//! words of Paddle's validator (`(root): name is required`, `Array must
//! have at least 1 items`), which the API keeps; the dashboard says the
//! same thing plainly, next to the field it is about.

use crate::domain::FieldError;

/// `error` in plain words, on the field it is about (a missing field is
/// reported by the validator on `(root)`).
pub fn plain(error: &FieldError) -> FieldError {
    let message = error.message.as_str();
    if let Some(property) = message.strip_suffix(" is required")
        && error.field == "(root)"
    {
        return FieldError::new(property, required(property));
    }
    let number = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<u64>().ok())
    };
    let plain = if message.starts_with("Array must have at least ") {
        "Choose at least one.".to_owned()
    } else if let Some(max) = number("String length must be less than or equal to ") {
        format!("Use {max} characters or fewer.")
    } else if let Some(min) = number("String length must be greater than or equal to ") {
        match min {
            1 => required(&error.field),
            min => format!("Use at least {min} characters."),
        }
    } else if message.starts_with("Does not match format 'uri'") {
        "Enter a whole URL, such as https://example.com/webhooks.".to_owned()
    } else if message.starts_with("Does not match pattern") {
        "Use only the characters the hint lists.".to_owned()
    } else if message.starts_with("Invalid type") || message.contains("must be one of") {
        "Choose one of the options offered.".to_owned()
    } else {
        sentence(message)
    };
    FieldError::new(error.field.clone(), plain)
}

fn required(property: &str) -> String {
    match property {
        "permissions" | "subscribed_events" => "Choose at least one.".to_owned(),
        _ => "Fill this in.".to_owned(),
    }
}

/// `must be in the future` → `Must be in the future.`
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    let mut text = first.unwrap_or_default() + chars.as_str();
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(field: &str, message: &str) -> (String, String) {
        let plain = plain(&FieldError::new(field, message));
        (plain.field, plain.message)
    }

    #[test]
    fn the_validators_words_become_plain_ones_on_their_field() {
        let pairs = |field: &str, message: &str| (field.to_owned(), message.to_owned());
        assert_eq!(
            said("(root)", "name is required"),
            pairs("name", "Fill this in.")
        );
        assert_eq!(
            said("permissions", "Array must have at least 1 items"),
            pairs("permissions", "Choose at least one.")
        );
        assert_eq!(
            said("name", "String length must be less than or equal to 150"),
            pairs("name", "Use 150 characters or fewer.")
        );
        assert_eq!(
            said("name", "Does not match pattern '^[A-Za-z0-9._-]{1,64}$'"),
            pairs("name", "Use only the characters the hint lists.")
        );
        assert_eq!(
            said("expires_at", "must be in the future"),
            pairs("expires_at", "Must be in the future.")
        );
    }
}
