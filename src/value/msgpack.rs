//! cty values as MessagePack, the encoding Terraform uses for every
//! `DynamicValue` it sends and expects back.
//!
//! - objects are maps with every attribute of the type present (null = nil);
//! - unknown values are extension type 0 (Terraform 1.6+ sends refined
//!   unknowns as extension 12): any extension decodes as unknown, we emit 0;
//! - numbers may arrive as integers, floats or decimal strings;
//! - a `dynamic` slot holds `[type-as-JSON, value]`.

use super::{render_path, within, CodecError, Number, Type, Value};
use rmpv::Value as Mp;
use std::collections::BTreeMap;

const UNKNOWN_EXT: i8 = 0;

pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut rd = bytes;
    let mp = rmpv::decode::read_value(&mut rd).map_err(|e| CodecError::MsgPack(e.to_string()))?;
    if !rd.is_empty() {
        return Err(CodecError::MsgPack(format!("{} trailing bytes", rd.len())));
    }
    let mut path = Vec::new();
    from_mp(&mp, ty, &mut path)
}

pub fn encode_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut path = Vec::new();
    let mp = to_mp(value, ty, &mut path)?;
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &mp).map_err(|e| CodecError::MsgPack(e.to_string()))?;
    Ok(out)
}

fn mismatch(path: &[String], expected: &Type, found: &str) -> CodecError {
    CodecError::Mismatch {
        path: render_path(path),
        expected: expected.describe(),
        found: found.to_string(),
    }
}

fn mp_kind(mp: &Mp) -> &'static str {
    match mp {
        Mp::Nil => "nil",
        Mp::Boolean(_) => "bool",
        Mp::Integer(_) => "integer",
        Mp::F32(_) | Mp::F64(_) => "float",
        Mp::String(_) => "string",
        Mp::Binary(_) => "binary",
        Mp::Array(_) => "array",
        Mp::Map(_) => "map",
        Mp::Ext(..) => "extension",
    }
}

fn from_mp(mp: &Mp, ty: &Type, path: &mut Vec<String>) -> Result<Value, CodecError> {
    match mp {
        Mp::Nil => return Ok(Value::Null),
        Mp::Ext(..) => return Ok(Value::Unknown),
        _ => {}
    }
    let fail = |path: &[String]| mismatch(path, ty, mp_kind(mp));
    match ty {
        Type::String => match mp {
            Mp::String(s) => s.as_str().map(Value::string).ok_or_else(|| fail(path)),
            _ => Err(fail(path)),
        },
        Type::Bool => match mp {
            Mp::Boolean(b) => Ok(Value::Bool(*b)),
            _ => Err(fail(path)),
        },
        Type::Number => {
            let n = match mp {
                Mp::Integer(i) => i
                    .as_i64()
                    .map(Number::from)
                    .or_else(|| i.as_u64().map(Number::from)),
                Mp::F32(f) => Number::from_f64(f64::from(*f)),
                Mp::F64(f) => Number::from_f64(*f),
                Mp::String(s) => s.as_str().and_then(Number::parse),
                _ => None,
            };
            n.map(Value::Number).ok_or_else(|| fail(path))
        }
        Type::List(et) | Type::Set(et) => {
            let Mp::Array(items) = mp else {
                return Err(fail(path));
            };
            let out = items
                .iter()
                .enumerate()
                .map(|(i, item)| within(path, format!("[{i}]"), |p| from_mp(item, et, p)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if matches!(ty, Type::Set(_)) {
                Value::Set(out)
            } else {
                Value::List(out)
            })
        }
        Type::Tuple(ets) => {
            let Mp::Array(items) = mp else {
                return Err(fail(path));
            };
            if items.len() != ets.len() {
                return Err(fail(path));
            }
            let out = items
                .iter()
                .zip(ets)
                .enumerate()
                .map(|(i, (item, et))| within(path, format!("[{i}]"), |p| from_mp(item, et, p)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Tuple(out))
        }
        Type::Map(et) => {
            let Mp::Map(entries) = mp else {
                return Err(fail(path));
            };
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let key = k.as_str().ok_or_else(|| fail(path))?.to_string();
                let val = within(path, format!("[{key:?}]"), |p| from_mp(v, et, p))?;
                out.insert(key, val);
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs) => {
            let Mp::Map(entries) = mp else {
                return Err(fail(path));
            };
            let mut out: BTreeMap<String, Value> =
                attrs.keys().map(|k| (k.clone(), Value::Null)).collect();
            for (k, v) in entries {
                let key = k.as_str().ok_or_else(|| fail(path))?;
                let Some(at) = attrs.get(key) else {
                    return Err(CodecError::Mismatch {
                        path: render_path(path),
                        expected: ty.describe(),
                        found: format!("unexpected attribute {key:?}"),
                    });
                };
                let val = within(path, format!(".{key}"), |p| from_mp(v, at, p))?;
                out.insert(key.to_string(), val);
            }
            Ok(Value::Object(out))
        }
        Type::Dynamic => {
            let Mp::Array(pair) = mp else {
                return Err(fail(path));
            };
            let [type_json, inner] = pair.as_slice() else {
                return Err(fail(path));
            };
            let type_bytes = match type_json {
                Mp::Binary(b) => b.as_slice(),
                Mp::String(s) => s.as_bytes(),
                _ => return Err(fail(path)),
            };
            let actual = Type::from_json_bytes(type_bytes)?;
            from_mp(inner, &actual, path)
        }
    }
}

fn to_mp(value: &Value, ty: &Type, path: &mut Vec<String>) -> Result<Mp, CodecError> {
    match value {
        Value::Null => return Ok(Mp::Nil),
        Value::Unknown => return Ok(Mp::Ext(UNKNOWN_EXT, vec![0])),
        _ => {}
    }
    let fail = |path: &[String]| mismatch(path, ty, &format!("{value:?}"));
    match (ty, value) {
        (Type::Dynamic, v) => {
            let actual = infer_type(v);
            let inner = to_mp(v, &actual, path)?;
            Ok(Mp::Array(vec![Mp::Binary(actual.to_json_bytes()), inner]))
        }
        (Type::String, Value::String(s)) => Ok(Mp::String(s.as_str().into())),
        (Type::Bool, Value::Bool(b)) => Ok(Mp::Boolean(*b)),
        (Type::Number, Value::Number(n)) => Ok(number_to_mp(n)),
        (Type::List(et), Value::List(items)) | (Type::Set(et), Value::Set(items)) => {
            let out = items
                .iter()
                .enumerate()
                .map(|(i, item)| within(path, format!("[{i}]"), |p| to_mp(item, et, p)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Mp::Array(out))
        }
        (Type::Tuple(ets), Value::Tuple(items)) if ets.len() == items.len() => {
            let out = items
                .iter()
                .zip(ets)
                .enumerate()
                .map(|(i, (item, et))| within(path, format!("[{i}]"), |p| to_mp(item, et, p)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Mp::Array(out))
        }
        (Type::Map(et), Value::Map(entries)) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                out.push((
                    Mp::String(k.as_str().into()),
                    within(path, format!("[{k:?}]"), |p| to_mp(v, et, p))?,
                ));
            }
            Ok(Mp::Map(out))
        }
        (Type::Object(attrs), Value::Object(vals)) => {
            if let Some(extra) = vals.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(CodecError::Mismatch {
                    path: render_path(path),
                    expected: ty.describe(),
                    found: format!("unexpected attribute {extra:?}"),
                });
            }
            let mut out = Vec::with_capacity(attrs.len());
            for (k, at) in attrs {
                let v = vals.get(k).unwrap_or(&Value::Null);
                out.push((
                    Mp::String(k.as_str().into()),
                    within(path, format!(".{k}"), |p| to_mp(v, at, p))?,
                ));
            }
            Ok(Mp::Map(out))
        }
        _ => Err(fail(path)),
    }
}

fn number_to_mp(n: &Number) -> Mp {
    // An integer only when it reads back as the same text: "-0" would
    // come back as "0".
    if let Some(i) = n.as_i64().filter(|i| i.to_string() == n.as_str()) {
        return Mp::from(i);
    }
    if let Some(u) = n
        .as_str()
        .parse::<u64>()
        .ok()
        .filter(|u| u.to_string() == n.as_str())
    {
        return Mp::from(u);
    }
    // A float only when it is exact; otherwise the decimal text, which
    // Terraform parses at full precision.
    match n.as_str().parse::<f64>() {
        Ok(f) if Number::from_f64(f).as_ref() == Some(n) => Mp::F64(f),
        _ => Mp::String(n.as_str().into()),
    }
}

/// The most specific type that describes a value, for `dynamic` slots.
pub(crate) fn infer_type(v: &Value) -> Type {
    match v {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::List(Box::new(items.first().map_or(Type::Dynamic, infer_type))),
        Value::Set(items) => Type::Set(Box::new(items.first().map_or(Type::Dynamic, infer_type))),
        Value::Tuple(items) => Type::Tuple(items.iter().map(infer_type).collect()),
        Value::Map(m) => Type::Map(Box::new(
            m.values().next().map_or(Type::Dynamic, infer_type),
        )),
        Value::Object(m) => {
            Type::Object(m.iter().map(|(k, v)| (k.clone(), infer_type(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("image_id", Type::String),
            ("shared_account_id", Type::String),
        ])
    }

    // Bytes as Terraform's cty encoder writes them for an object with one
    // unknown attribute: a fixmap, keys in sorted order, the unknown as
    // fixext1 of type 0.
    const PLANNED_CREATE: &[u8] =
        b"\x83\xa2id\xd4\x00\x00\xa8image_id\xadwsi-abc123def\xb1shared_account_id\xac111122223333";

    #[test]
    fn decodes_a_planned_object_with_an_unknown_id() {
        let v = decode_msgpack(PLANNED_CREATE, &resource_type()).unwrap();
        assert_eq!(v.attr("id"), Some(&Value::Unknown));
        assert_eq!(
            v.attr("image_id").and_then(Value::as_str),
            Some("wsi-abc123def")
        );
        assert_eq!(
            v.attr("shared_account_id").and_then(Value::as_str),
            Some("111122223333")
        );
    }

    #[test]
    fn encodes_exactly_the_bytes_terraform_writes() {
        let v = decode_msgpack(PLANNED_CREATE, &resource_type()).unwrap();
        assert_eq!(
            encode_msgpack(&v, &resource_type()).unwrap(),
            PLANNED_CREATE
        );
    }

    #[test]
    fn refined_unknowns_of_any_extension_code_decode_as_unknown() {
        // Terraform 1.6+ refines unknown strings as extension 12 with a
        // msgpack map payload (here: "not null" refinement).
        let bytes = b"\xc7\x03\x0c\x81\x01\xc3";
        assert_eq!(
            decode_msgpack(bytes, &Type::String).unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn null_object_is_nil() {
        assert_eq!(
            decode_msgpack(b"\xc0", &resource_type()).unwrap(),
            Value::Null
        );
        assert_eq!(
            encode_msgpack(&Value::Null, &resource_type()).unwrap(),
            b"\xc0"
        );
    }

    #[test]
    fn missing_attributes_decode_as_null() {
        let v = decode_msgpack(b"\x81\xa2id\xa1x", &resource_type()).unwrap();
        assert_eq!(v.attr("image_id"), Some(&Value::Null));
    }

    #[test]
    fn numbers_accept_integers_floats_and_decimal_strings() {
        let cases: &[(&[u8], &str)] = &[
            (b"\x2a", "42"),
            (b"\xd0\xd6", "-42"),
            (
                b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
                "18446744073709551615",
            ),
            (b"\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00", "1.5"),
            (b"\xa5\x31\x65\x34\x30\x30", "1e400"),
        ];
        for (bytes, text) in cases {
            let v = decode_msgpack(bytes, &Type::Number).unwrap();
            assert_eq!(v, Value::Number(Number::parse(text).unwrap()), "{text}");
            let back = encode_msgpack(&v, &Type::Number).unwrap();
            assert_eq!(decode_msgpack(&back, &Type::Number).unwrap(), v, "{text}");
        }
    }

    // Found by tests/codec_props.rs: negative zero went out as the
    // integer 0 and came back as "0".
    #[test]
    fn negative_zero_round_trips_as_itself() {
        let v = Value::Number(Number::parse("-0").unwrap());
        let bytes = encode_msgpack(&v, &Type::Number).unwrap();
        assert_eq!(bytes, b"\xa2-0");
        assert_eq!(decode_msgpack(&bytes, &Type::Number).unwrap(), v);
    }

    #[test]
    fn collections_round_trip() {
        let ty = Type::object([
            ("l", Type::list(Type::String)),
            ("s", Type::Set(Box::new(Type::Number))),
            ("m", Type::Map(Box::new(Type::Bool))),
            ("t", Type::Tuple(vec![Type::String, Type::Bool])),
            (
                "blocks",
                Type::list(Type::object([("workspaces", Type::String)])),
            ),
        ]);
        let v = Value::object([
            (
                "l",
                Value::List(vec![Value::string("a"), Value::Unknown, Value::Null]),
            ),
            (
                "s",
                Value::Set(vec![Value::Number(1i64.into()), Value::Number(2i64.into())]),
            ),
            (
                "m",
                Value::Map([("k".to_string(), Value::Bool(true))].into()),
            ),
            (
                "t",
                Value::Tuple(vec![Value::string("x"), Value::Bool(false)]),
            ),
            (
                "blocks",
                Value::List(vec![Value::object([(
                    "workspaces",
                    Value::string("http://127.0.0.1:5000"),
                )])]),
            ),
        ]);
        let bytes = encode_msgpack(&v, &ty).unwrap();
        assert_eq!(decode_msgpack(&bytes, &ty).unwrap(), v);
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        // ["string", "hi"] with the type as msgpack binary, as cty writes it.
        let bytes = b"\x92\xc4\x08\"string\"\xa2hi";
        assert_eq!(
            decode_msgpack(bytes, &Type::Dynamic).unwrap(),
            Value::string("hi")
        );
        assert_eq!(
            encode_msgpack(&Value::string("hi"), &Type::Dynamic).unwrap(),
            bytes
        );
    }

    #[test]
    fn type_mismatches_name_the_path() {
        let err = decode_msgpack(b"\x81\xa8image_id\x01", &resource_type()).unwrap_err();
        assert!(err.to_string().contains(".image_id"), "{err}");
        let err = decode_msgpack(b"\x81\xa5bogus\xc0", &resource_type()).unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
    }

    #[test]
    fn truncated_and_trailing_input_is_an_error_not_a_panic() {
        assert!(decode_msgpack(&PLANNED_CREATE[..10], &resource_type()).is_err());
        let mut long = PLANNED_CREATE.to_vec();
        long.push(0xc0);
        assert!(decode_msgpack(&long, &resource_type()).is_err());
        assert!(decode_msgpack(b"", &Type::String).is_err());
    }
}
