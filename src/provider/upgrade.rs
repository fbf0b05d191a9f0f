//! Stored state on its way through UpgradeResourceState. State files are
//! edited by hand, written by other versions of this provider, and
//! sometimes damaged; each gets a correct upgrade or a clear error that
//! says how to recover, never a crash. What can be read safely is:
//! attributes this schema no longer has (dropped, with a warning) and
//! primitives stored as another primitive type, converted the way
//! Terraform converts them (`123` for a string, `"5"` for a number).

use crate::diag::{Diagnostic, Diagnostics};
use crate::schema::Schema;
use crate::value::{self, Type, Value};
use serde_json::Value as Json;

/// The stored JSON state of `type_name`, as a value of `schema`'s type.
pub fn stored_state(type_name: &str, schema: &Schema, raw: &[u8]) -> Result<Value, Diagnostics> {
    let corrupt = |why: String| -> Diagnostics {
        Diagnostic::error(
            "Stored state cannot be read",
            format!(
                "The state of this {type_name} is damaged: {why}. Terraform cannot use it. To \
                 recover, remove it with `terraform state rm <address>` and bring the resource back \
                 with `terraform import <address> <id>`; nothing in AWS is changed by either."
            ),
        )
        .into()
    };
    let mut json: Json =
        serde_json::from_slice(raw).map_err(|e| corrupt(format!("it is not JSON ({e})")))?;
    let ty = schema.block.value_type();
    let mut dropped = Vec::new();
    normalize(&mut json, &ty, "", &mut dropped);
    if !dropped.is_empty() {
        tracing::warn!(
            type_name,
            dropped = ?dropped,
            "stored state had attributes this provider does not know; dropped them"
        );
    }
    let bytes = serde_json::to_vec(&json).map_err(|e| corrupt(e.to_string()))?;
    let state = value::decode_json(&bytes, &ty).map_err(|e| corrupt(e.to_string()))?;
    if state.is_null() {
        return Err(corrupt("it is null".to_string()));
    }
    let missing: Vec<&str> = schema
        .block
        .attributes
        .iter()
        .filter(|a| a.required && state.attr(a.name).is_none_or(Value::is_null))
        .map(|a| a.name)
        .collect();
    if !missing.is_empty() {
        return Err(corrupt(format!(
            "it lacks {}, which identify the resource",
            missing.join(" and ")
        )));
    }
    Ok(state)
}

/// Drops object attributes `ty` does not have (recording their paths) and
/// converts mismatched primitives where Terraform would; anything else is
/// left for the decoder to report.
fn normalize(j: &mut Json, ty: &Type, path: &str, dropped: &mut Vec<String>) {
    match (ty, j) {
        (Type::Object(attrs), Json::Object(entries)) => {
            entries.retain(|k, _| {
                let known = attrs.contains_key(k);
                if !known {
                    dropped.push(format!("{path}.{k}"));
                }
                known
            });
            for (k, v) in entries.iter_mut() {
                if let Some(at) = attrs.get(k) {
                    normalize(v, at, &format!("{path}.{k}"), dropped);
                }
            }
        }
        (Type::List(et) | Type::Set(et), Json::Array(items)) => {
            for (i, item) in items.iter_mut().enumerate() {
                normalize(item, et, &format!("{path}[{i}]"), dropped);
            }
        }
        (Type::Map(et), Json::Object(entries)) => {
            for (k, v) in entries.iter_mut() {
                normalize(v, et, &format!("{path}[{k:?}]"), dropped);
            }
        }
        (Type::String, j @ (Json::Number(_) | Json::Bool(_))) => {
            *j = Json::String(j.to_string());
        }
        (Type::Bool, j @ Json::String(_)) => {
            if let Some(b) = j.as_str().and_then(|s| match s {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            }) {
                *j = Json::Bool(b);
            }
        }
        // Numbers stored as strings are read by the decoder itself.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;

    fn schema_of(name: &str) -> Schema {
        resources::all()
            .into_iter()
            .find(|r| r.type_name() == name)
            .expect("resource")
            .schema()
    }

    fn read(name: &str, raw: &str) -> Result<Value, String> {
        stored_state(name, &schema_of(name), raw.as_bytes()).map_err(|d| {
            d.into_iter()
                .map(|d| format!("{}: {}", d.summary, d.detail))
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    const PERMISSION: &str = "workspaces_image_permission";
    const SHARING: &str = "workspaces_image_sharing";

    #[test]
    fn current_state_reads_back_unchanged() {
        let v = read(
            PERMISSION,
            r#"{"id":"wsi-123456789/123456789012","image_id":"wsi-123456789","shared_account_id":"123456789012","timeouts":null}"#,
        )
        .unwrap();
        assert_eq!(
            v.attr("shared_account_id"),
            Some(&Value::string("123456789012"))
        );
    }

    #[test]
    fn attributes_the_schema_does_not_have_are_dropped() {
        let v = read(
            SHARING,
            r#"{"id":"wsi-123456789","image_id":"wsi-123456789","shared_account_ids":["123456789012"],"region":"us-east-1","timeouts":{"create":"1m","read":"2m"}}"#,
        )
        .unwrap();
        assert!(v.attr("region").is_none());
        assert_eq!(
            v.attr("timeouts").and_then(|t| t.attr("create")),
            Some(&Value::string("1m"))
        );
    }

    #[test]
    fn a_missing_id_is_read_as_null_for_the_next_refresh_to_fill() {
        let v = read(
            PERMISSION,
            r#"{"image_id":"wsi-123456789","shared_account_id":"123456789012"}"#,
        )
        .unwrap();
        assert_eq!(v.attr("id"), Some(&Value::Null));
    }

    #[test]
    fn a_number_stored_for_a_string_is_converted_as_terraform_does() {
        let v = read(
            PERMISSION,
            r#"{"id":null,"image_id":"wsi-123456789","shared_account_id":123456789012}"#,
        )
        .unwrap();
        assert_eq!(
            v.attr("shared_account_id"),
            Some(&Value::string("123456789012"))
        );
    }

    #[test]
    fn damaged_state_gets_an_error_that_says_how_to_recover() {
        for (name, raw, says) in [
            (PERMISSION, "not json", "not JSON"),
            (PERMISSION, "null", "null"),
            (PERMISSION, "[]", "expected"),
            (
                PERMISSION,
                r#"{"image_id":"wsi-123456789"}"#,
                "lacks shared_account_id",
            ),
            (SHARING, r#"{"shared_account_ids":[]}"#, "lacks image_id"),
            (
                SHARING,
                r#"{"image_id":"wsi-123456789","shared_account_ids":"123456789012"}"#,
                "shared_account_ids",
            ),
            (
                SHARING,
                r#"{"image_id":"wsi-123456789","shared_account_ids":[{"a":1}]}"#,
                "shared_account_ids",
            ),
            (
                PERMISSION,
                r#"{"image_id":{"nested":true},"shared_account_id":"1"}"#,
                "image_id",
            ),
        ] {
            let err = read(name, raw).expect_err(raw);
            assert!(err.contains("Stored state cannot be read"), "{err}");
            assert!(err.contains(says), "{raw}: {err}");
            assert!(err.contains("terraform import"), "{err}");
        }
    }
}
