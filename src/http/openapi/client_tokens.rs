//! `/client-tokens`: the operations and the client-side token entity.

use serde_json::{Map, Value, json};

use super::{
    LIST, WITH_BODY, WITH_ID, body, entity_envelope, id_parameter, list_envelope, object,
    page_parameters, request_body, responses,
};
use crate::domain::{ClientTokenStatus, DESCRIPTION_LENGTH, IdKind, NAME_LENGTH, NO_NUL, kind};
use crate::http::extract::BODY_LIMIT;

const ID_PATTERN: &str = kind::ClientToken::PATTERN;

pub fn paths() -> Map<String, Value> {
    let client_token_id = id_parameter("client_token_id", ID_PATTERN);
    let statuses = ClientTokenStatus::NAMES.join("|");
    let mut list_parameters = page_parameters(ID_PATTERN, "id[DESC]");
    list_parameters.push(json!({
        "name": "status", "in": "query", "description": "Comma-separated; default active.",
        "schema": { "type": "string", "pattern": format!("^({statuses})(,({statuses}))*$") }
    }));
    object(json!({
        "/client-tokens": {
            "get": {
                "operationId": "listClientTokens",
                "tags": ["client-tokens"],
                "summary": "List client-side tokens (needs client_token.read)",
                "parameters": list_parameters,
                "responses": responses(json!({ "200": body("ClientTokenList", "A page of tokens") }), &LIST)
            },
            "post": {
                "operationId": "createClientToken",
                "tags": ["client-tokens"],
                "summary": "Create a client-side token (needs client_token.write)",
                "requestBody": request_body("CreateClientToken"),
                "responses": responses(json!({ "201": body("ClientTokenEnvelope", "The new token") }), &WITH_BODY)
            }
        },
        "/client-tokens/{client_token_id}": {
            "get": {
                "operationId": "getClientToken",
                "tags": ["client-tokens"],
                "summary": "Get a client-side token (needs client_token.read)",
                "parameters": [client_token_id.clone()],
                "responses": responses(json!({ "200": body("ClientTokenEnvelope", "The token") }), &WITH_ID)
            },
            "patch": {
                "operationId": "updateClientToken",
                "tags": ["client-tokens"],
                "summary": "Revoke a client-side token (needs client_token.write)",
                "parameters": [client_token_id],
                "requestBody": request_body("UpdateClientToken"),
                "responses": responses(json!({ "200": body("ClientTokenEnvelope", "The token") }), &[WITH_BODY.as_slice(), &WITH_ID].concat())
            }
        }
    }))
}

/// The entity and request bodies.
pub fn schemas() -> Map<String, Value> {
    let (name_min, name_max) = NAME_LENGTH;
    let (description_min, description_max) = DESCRIPTION_LENGTH;
    let name = json!({ "type": "string", "minLength": name_min, "maxLength": name_max, "pattern": NO_NUL });
    let description = json!({
        "type": ["string", "null"], "minLength": description_min, "maxLength": description_max, "pattern": NO_NUL
    });
    object(json!({
        "ClientToken": {
            "type": "object",
            "additionalProperties": false,
            "required": ["id", "token", "name", "description", "status", "revoked_at", "created_at", "updated_at"],
            "properties": {
                "id": { "type": "string", "pattern": ID_PATTERN },
                "token": { "type": "string", "pattern": "^(test|live)_[a-f0-9]{27}$" },
                "name": name,
                "description": description,
                "status": { "type": "string", "enum": ClientTokenStatus::NAMES },
                "revoked_at": { "type": ["string", "null"], "format": "date-time" },
                "created_at": { "type": "string", "format": "date-time" },
                "updated_at": { "type": "string", "format": "date-time" }
            }
        },
        "CreateClientToken": {
            "type": "object",
            "additionalProperties": false,
            "required": ["name"],
            "properties": { "name": name, "description": description },
            "description": format!("At most {BODY_LIMIT} bytes.")
        },
        "UpdateClientToken": {
            "type": "object",
            "additionalProperties": false,
            "required": ["status"],
            "properties": {
                "status": { "type": "string", "enum": ["revoked", "active"],
                            "description": "`revoked` revokes; `active` is accepted only for a token that is still active." }
            }
        },
        "ClientTokenEnvelope": entity_envelope("ClientToken"),
        "ClientTokenList": list_envelope("ClientToken")
    }))
}
