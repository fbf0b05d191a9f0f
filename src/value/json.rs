//! cty values as JSON: the form of stored state that Terraform passes to
//! `UpgradeResourceState`. JSON has no unknowns; `dynamic` slots hold
//! `{"value": ..., "type": ...}`.

use super::{render_path, within, CodecError, Number, Type, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;

pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let j: Json = serde_json::from_slice(bytes).map_err(|e| CodecError::Json(e.to_string()))?;
    let mut path = Vec::new();
    from_json(&j, ty, &mut path)
}

pub fn encode_json(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut path = Vec::new();
    Ok(to_json(value, ty, &mut path)?.to_string().into_bytes())
}

fn mismatch(path: &[String], ty: &Type, found: &str) -> CodecError {
    CodecError::Mismatch {
        path: render_path(path),
        expected: ty.describe(),
        found: found.to_string(),
    }
}

fn from_json(j: &Json, ty: &Type, path: &mut Vec<String>) -> Result<Value, CodecError> {
    if j.is_null() {
        return Ok(Value::Null);
    }
    let fail = |path: &[String]| mismatch(path, ty, &j.to_string());
    match ty {
        Type::String => j.as_str().map(Value::string).ok_or_else(|| fail(path)),
        Type::Bool => j.as_bool().map(Value::Bool).ok_or_else(|| fail(path)),
        Type::Number => match j {
            Json::Number(n) => Number::parse(&n.to_string())
                .map(Value::Number)
                .ok_or_else(|| fail(path)),
            Json::String(s) => Number::parse(s)
                .map(Value::Number)
                .ok_or_else(|| fail(path)),
            _ => Err(fail(path)),
        },
        Type::List(et) | Type::Set(et) => {
            let items = j.as_array().ok_or_else(|| fail(path))?;
            let out = items
                .iter()
                .enumerate()
                .map(|(i, item)| within(path, format!("[{i}]"), |p| from_json(item, et, p)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::Set(_)) {
                Value::Set(out)
            } else {
                Value::List(out)
            })
        }
        Type::Tuple(ets) => {
            let items = j
                .as_array()
                .filter(|a| a.len() == ets.len())
                .ok_or_else(|| fail(path))?;
            let out = items
                .iter()
                .zip(ets)
                .enumerate()
                .map(|(i, (item, et))| within(path, format!("[{i}]"), |p| from_json(item, et, p)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Tuple(out))
        }
        Type::Map(et) => {
            let entries = j.as_object().ok_or_else(|| fail(path))?;
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                out.insert(
                    k.clone(),
                    within(path, format!("[{k:?}]"), |p| from_json(v, et, p))?,
                );
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs) => {
            let entries = j.as_object().ok_or_else(|| fail(path))?;
            let mut out: BTreeMap<String, Value> =
                attrs.keys().map(|k| (k.clone(), Value::Null)).collect();
            for (k, v) in entries {
                let Some(at) = attrs.get(k) else {
                    return Err(mismatch(path, ty, &format!("unexpected attribute {k:?}")));
                };
                out.insert(
                    k.clone(),
                    within(path, format!(".{k}"), |p| from_json(v, at, p))?,
                );
            }
            Ok(Value::Object(out))
        }
        Type::Dynamic => {
            let obj = j.as_object().ok_or_else(|| fail(path))?;
            let (Some(val), Some(t)) = (obj.get("value"), obj.get("type")) else {
                return Err(fail(path));
            };
            from_json(val, &Type::from_json(t)?, path)
        }
    }
}

fn to_json(value: &Value, ty: &Type, path: &mut Vec<String>) -> Result<Json, CodecError> {
    let fail = |path: &[String]| mismatch(path, ty, &format!("{value:?}"));
    match (ty, value) {
        (_, Value::Null) => Ok(Json::Null),
        (_, Value::Unknown) => Err(CodecError::Json(format!(
            "unknown value at {} cannot be written as JSON",
            render_path(path)
        ))),
        (Type::Dynamic, v) => {
            let actual = super::msgpack::infer_type(v);
            let inner = to_json(v, &actual, path)?;
            Ok(serde_json::json!({"value": inner, "type": actual.to_json()}))
        }
        (Type::String, Value::String(s)) => Ok(Json::String(s.clone())),
        (Type::Bool, Value::Bool(b)) => Ok(Json::Bool(*b)),
        (Type::Number, Value::Number(n)) => serde_json::from_str::<serde_json::Number>(n.as_str())
            .map(Json::Number)
            .map_err(|_| fail(path)),
        (Type::List(et), Value::List(items)) | (Type::Set(et), Value::Set(items)) => {
            let out = items
                .iter()
                .enumerate()
                .map(|(i, item)| within(path, format!("[{i}]"), |p| to_json(item, et, p)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Json::Array(out))
        }
        (Type::Tuple(ets), Value::Tuple(items)) if ets.len() == items.len() => {
            let out = items
                .iter()
                .zip(ets)
                .enumerate()
                .map(|(i, (item, et))| within(path, format!("[{i}]"), |p| to_json(item, et, p)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Json::Array(out))
        }
        (Type::Map(et), Value::Map(entries)) => {
            let mut out = serde_json::Map::new();
            for (k, v) in entries {
                out.insert(
                    k.clone(),
                    within(path, format!("[{k:?}]"), |p| to_json(v, et, p))?,
                );
            }
            Ok(Json::Object(out))
        }
        (Type::Object(attrs), Value::Object(vals)) => {
            let mut out = serde_json::Map::new();
            for (k, at) in attrs {
                let v = vals.get(k).unwrap_or(&Value::Null);
                out.insert(
                    k.clone(),
                    within(path, format!(".{k}"), |p| to_json(v, at, p))?,
                );
            }
            Ok(Json::Object(out))
        }
        _ => Err(fail(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{decode_msgpack, encode_msgpack};

    fn resource_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("image_id", Type::String),
            ("shared_account_id", Type::String),
        ])
    }

    // The "attributes" object of a resource instance as Terraform writes it
    // into terraform.tfstate.
    const STATE_ATTRS: &str = r#"{"id":"wsi-abc123def/111122223333","image_id":"wsi-abc123def","shared_account_id":"111122223333"}"#;

    #[test]
    fn stored_state_json_decodes_and_reencodes_as_msgpack() {
        let v = decode_json(STATE_ATTRS.as_bytes(), &resource_type()).unwrap();
        assert_eq!(
            v.attr("id").and_then(Value::as_str),
            Some("wsi-abc123def/111122223333")
        );
        let mp = encode_msgpack(&v, &resource_type()).unwrap();
        assert_eq!(decode_msgpack(&mp, &resource_type()).unwrap(), v);
        assert_eq!(
            encode_json(&v, &resource_type()).unwrap(),
            STATE_ATTRS.as_bytes()
        );
    }

    #[test]
    fn attributes_absent_from_old_state_become_null() {
        let v = decode_json(br#"{"image_id":"wsi-abc123def"}"#, &resource_type()).unwrap();
        assert_eq!(v.attr("shared_account_id"), Some(&Value::Null));
    }

    #[test]
    fn numbers_keep_full_precision() {
        let v = decode_json(b"123456789012345678901234567890.5", &Type::Number).unwrap();
        assert_eq!(
            v,
            Value::Number(Number::parse("123456789012345678901234567890.5").unwrap())
        );
        assert_eq!(
            encode_json(&v, &Type::Number).unwrap(),
            b"123456789012345678901234567890.5"
        );
    }

    #[test]
    fn dynamic_json_uses_value_and_type() {
        let v = decode_json(
            br#"{"value":["a"],"type":["list","string"]}"#,
            &Type::Dynamic,
        )
        .unwrap();
        assert_eq!(v, Value::List(vec![Value::string("a")]));
    }

    #[test]
    fn unknowns_cannot_be_stored_as_json() {
        assert!(encode_json(&Value::Unknown, &Type::String).is_err());
    }

    #[test]
    fn malformed_json_is_an_error() {
        assert!(decode_json(b"{", &resource_type()).is_err());
        assert!(decode_json(br#"{"id": 5}"#, &resource_type()).is_err());
    }
}
