//! What every operation shares: the security scheme, `meta`, pagination and
//! Paddle's error envelope.

use serde_json::{Map, Value, json};

use super::{object, schema_ref};
use crate::domain::MAX_PER_PAGE;
use crate::http::error::CODES;

pub fn security_schemes() -> Value {
    json!({
        "apiKey": {
            "type": "http", "scheme": "bearer",
            "description": "An API key, pdl_sdbx_apikey_<ulid>_<secret> or pdl_live_apikey_..., with the permissions each operation names."
        },
        "clientToken": {
            "type": "apiKey", "in": "header", "name": "Paddle-Clienttoken",
            "description": "A client-side token (test_... or live_...), as Paddle.js sends it: the previews only."
        }
    })
}

pub fn shared() -> Map<String, Value> {
    object(json!({
        "Meta": {
            "type": "object",
            "additionalProperties": false,
            "required": ["request_id"],
            "properties": { "request_id": { "type": "string", "format": "uuid" } }
        },
        "ListMeta": {
            "type": "object",
            "additionalProperties": false,
            "description": "Sent as Paddle sends it: `pagination`, then `request_id`.",
            "required": ["pagination", "request_id"],
            "properties": {
                "pagination": schema_ref("Pagination"),
                "request_id": { "type": "string", "format": "uuid" }
            }
        },
        "Pagination": {
            "type": "object",
            "additionalProperties": false,
            "required": ["per_page", "estimated_total", "next", "has_more"],
            "properties": {
                "per_page": { "type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE },
                "estimated_total": { "type": "integer", "minimum": -1 },
                "next": { "type": "string", "format": "uri" },
                "has_more": { "type": "boolean" }
            }
        },
        "ErrorEnvelope": {
            "type": "object",
            "additionalProperties": false,
            "required": ["error", "meta"],
            "properties": {
                "error": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["type", "code", "detail", "documentation_url"],
                    "properties": {
                        "type": { "type": "string", "enum": ["request_error", "api_error"] },
                        "code": { "type": "string", "enum": CODES },
                        "detail": { "type": "string" },
                        "documentation_url": {
                            "type": "string", "format": "uri",
                            "description": "A page of Paddle's error reference for `code`: under `https://developer.paddle.com/v1/errors/` (`shared/` or the entity's folder), as Paddle's responses link it, or `https://developer.paddle.com/errors/shared/`.",
                            "pattern": r"^https://developer\.paddle\.com/(v1/errors/[a-z_]+|errors/shared)/[a-z_]+$"
                        },
                        "errors": {
                            "type": "array",
                            "description": "With a body or query that fails validation: one item per problem, all at once. `field` names the field, or is `(root)` for the body as a whole.",
                            "items": {
                                "type": "object",
                                "additionalProperties": false,
                                "required": ["field", "message"],
                                "properties": { "field": { "type": "string" }, "message": { "type": "string" } }
                            }
                        }
                    }
                },
                "meta": schema_ref("Meta")
            }
        }
    }))
}
