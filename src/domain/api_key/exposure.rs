//! Exposures: Paddle found a key published (on GitHub) and says so with
//! `api_key_exposure.created`; a high-risk exposure also revokes the key.
//! paddock has no scanner: the admin API simulates a finding.

use serde::Serialize;
use serde_json::{Map, Value};

use super::ApiKeyId;
use crate::domain::Timestamp;
use crate::domain::id::{Id, kind};
use crate::domain::validation::{self, Fields, ValidationErrors};

/// Paddle's bounds on an exposure's `reference` and `description`.
pub const EXPOSURE_REFERENCE_LENGTH: (usize, usize) = (1, 250);
pub const EXPOSURE_DESCRIPTION_LENGTH: (usize, usize) = (1, 250);

/// `apkexp_` + a lowercase ULID.
pub type ApiKeyExposureId = Id<kind::ApiKeyExposure>;

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(into = "&'static str")]
#[strum(serialize_all = "lowercase")]
pub enum RiskLevel {
    /// The key is revoked at once.
    High,
    Low,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::IntoStaticStr)]
#[serde(into = "&'static str")]
#[strum(serialize_all = "lowercase")]
pub enum ExposureAction {
    Revoked,
    None,
}

/// Where Paddle found the key: only GitHub, so far.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(into = "&'static str")]
#[strum(serialize_all = "lowercase")]
pub enum ExposureSource {
    Github,
}

/// Paddle's exposure entity, as `api_key_exposure.created` carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiKeyExposure {
    pub id: ApiKeyExposureId,
    pub api_key_id: ApiKeyId,
    pub risk_level: RiskLevel,
    pub action_taken: ExposureAction,
    pub source: ExposureSource,
    pub reference: String,
    pub description: Option<String>,
    pub created_at: Timestamp,
}

/// A simulated finding. The admin API's body:
/// `{"risk_level", "reference", "source", "description"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiKeyExposure {
    pub risk_level: RiskLevel,
    pub source: ExposureSource,
    pub reference: String,
    pub description: Option<String>,
}

impl NewApiKeyExposure {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        use strum::VariantArray;
        let levels: Vec<&str> = RiskLevel::VARIANTS.iter().map(|&v| v.into()).collect();
        let sources: Vec<&str> = ExposureSource::VARIANTS.iter().map(|&v| v.into()).collect();
        let mut fields = Fields::new(body, &["risk_level", "reference", "source", "description"]);
        let risk_level = fields.required("risk_level", |value| validation::one_of(value, &levels));
        let reference = fields.required("reference", reference);
        let source = fields.optional("source", |value| validation::one_of(value, &sources));
        let description = fields.nullable("description", |value| {
            validation::string(value, EXPOSURE_DESCRIPTION_LENGTH)
        });
        let new = match (risk_level, reference, source, description) {
            (Some(risk_level), Some(reference), Some(source), Some(description)) => Some(Self {
                risk_level,
                source: source.unwrap_or(ExposureSource::Github),
                reference,
                description,
            }),
            _ => None,
        };
        fields.finish(new)
    }

    /// The exposure of `key`, found at `at`; `revoked` when this finding
    /// revoked the key.
    pub fn exposure(
        &self,
        id: &ApiKeyExposureId,
        key: &ApiKeyId,
        revoked: bool,
        at: Timestamp,
    ) -> ApiKeyExposure {
        ApiKeyExposure {
            id: id.clone(),
            api_key_id: key.clone(),
            risk_level: self.risk_level,
            action_taken: if revoked {
                ExposureAction::Revoked
            } else {
                ExposureAction::None
            },
            source: self.source,
            reference: self.reference.clone(),
            description: self.description.clone(),
            created_at: at,
        }
    }
}

/// Where the key was found: an `http(s)` URL of 1 to 250 characters.
fn reference(value: &Value) -> validation::Checked<String> {
    validation::string(value, EXPOSURE_REFERENCE_LENGTH)?;
    // The same rule, and words, as a notification setting's destination.
    crate::domain::notification_setting::destination(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Mint;
    use serde_json::json;

    fn parse(body: Value) -> Result<NewApiKeyExposure, ValidationErrors> {
        NewApiKeyExposure::from_json(body.as_object().unwrap())
    }

    #[test]
    fn source_defaults_to_github_and_description_to_null() {
        let new = parse(json!({ "risk_level": "low", "reference": "https://github.com/a/b" }));
        let new = new.unwrap();
        assert_eq!(new.source, ExposureSource::Github);
        assert_eq!(new.description, None);
    }

    #[test]
    fn reports_every_bad_field() {
        let errors = parse(json!({
            "risk_level": "medium",
            "reference": "ftp://x",
            "source": "gitlab",
            "description": "",
            "colour": 1,
        }))
        .unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["(root)", "risk_level", "reference", "source", "description"]
        );
        let errors = parse(json!({})).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["(root)", "(root)"]);
    }

    #[test]
    fn the_entity_says_what_was_done_in_paddles_words() {
        let new = parse(json!({ "risk_level": "high", "reference": "https://github.com/a" }));
        let key = ApiKeyId::parse("apikey_01hv8gz6y0m8m5f8q2y9f7kj3x").unwrap();
        let id = ApiKeyExposureId::mint(&Mint::real());
        let exposure = new.unwrap().exposure(&id, &key, true, Timestamp::now());
        let json = serde_json::to_value(&exposure).unwrap();
        assert_eq!(json["risk_level"], "high");
        assert_eq!(json["action_taken"], "revoked");
        assert_eq!(json["source"], "github");
        assert_eq!(json["description"], Value::Null);
        assert!(id.as_str().starts_with("apkexp_") && id.as_str().len() == 7 + 26);
    }
}
