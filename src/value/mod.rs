//! Terraform's value model (cty): types, values, and their wire codecs.
//!
//! Terraform sends every object as a `DynamicValue`, MessagePack-encoded
//! (JSON for stored state handed to `UpgradeResourceState`). Decoding needs
//! the schema's type because the encoding is not self-describing.

mod json;
mod msgpack;
mod types;

pub use json::{decode_json, encode_json};
pub use msgpack::{decode_msgpack, encode_msgpack};
pub use types::Type;

use std::collections::BTreeMap;

/// A cty number, kept as its exact decimal text: Terraform numbers are
/// arbitrary-precision and may arrive as integers, floats or decimal strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(String);

impl Number {
    /// Accepts a decimal literal such as `42`, `-1.5` or `1e400`. The text
    /// is kept as serde_json spells it (`1E5` becomes `1e+5`), the one form
    /// a JSON round trip gives back, so equal text stays equal.
    pub fn parse(text: &str) -> Option<Number> {
        let t = text.trim();
        if t.is_empty() || t.starts_with('+') {
            return None;
        }
        let n = serde_json::from_str::<serde_json::Number>(t).ok()?;
        Some(Number(n.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number(v.to_string())
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Self {
        Number(v.to_string())
    }
}

impl Number {
    /// None for NaN and infinities, which cty cannot represent.
    pub fn from_f64(v: f64) -> Option<Number> {
        v.is_finite().then(|| Number(format_f64(v)))
    }
}

fn format_f64(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        // Rust's shortest round-trip representation.
        format!("{v}")
    }
}

/// A value of some cty type. Collections and objects hold values of their
/// element or attribute types; `Null` and `Unknown` may stand anywhere.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// Not known until apply. Refinements Terraform attaches are dropped.
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Tuple(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when no part of the value, however deep, is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The known strings of a set or list of strings; `None` for anything
    /// else (null, unknown, another type). Unknown elements are skipped.
    pub fn string_set(&self) -> Option<std::collections::BTreeSet<String>> {
        match self {
            Value::Set(items) | Value::List(items) => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            ),
            _ => None,
        }
    }

    /// An attribute of an object value; `None` when this is not an object.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.get(name),
            _ => None,
        }
    }

    /// Builds an object from name/value pairs.
    pub fn object<I, K>(attrs: I) -> Value
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

/// Failure to decode or encode a value against its type.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CodecError {
    #[error("malformed MessagePack: {0}")]
    MsgPack(String),
    #[error("malformed JSON: {0}")]
    Json(String),
    #[error("at {path}: expected {expected}, found {found}")]
    Mismatch {
        path: String,
        expected: String,
        found: String,
    },
    #[error("malformed type constraint: {0}")]
    BadType(String),
}

/// Runs `f` with `step` appended to `path`, so errors deep inside a value
/// say where they are.
pub(crate) fn within<T>(
    path: &mut Vec<String>,
    step: String,
    f: impl FnOnce(&mut Vec<String>) -> Result<T, CodecError>,
) -> Result<T, CodecError> {
    path.push(step);
    let out = f(path);
    path.pop();
    out
}

/// Renders a path of steps like `.endpoints[0].workspaces` for messages.
pub(crate) fn render_path(path: &[String]) -> String {
    if path.is_empty() {
        "(root)".to_string()
    } else {
        path.concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Found by tests/codec_props.rs: "0E0" decoded from MessagePack text
    // came back from a JSON round trip as "0e+0", another Number.
    #[test]
    fn number_text_is_kept_in_the_form_json_gives_back() {
        for (text, kept) in [
            ("0E0", "0e+0"),
            ("1E5", "1e+5"),
            ("1.5e-3", "1.5e-3"),
            ("-0", "-0"),
        ] {
            let n = Number::parse(text).unwrap();
            assert_eq!(n.as_str(), kept, "{text}");
            let json = encode_json(&Value::Number(n.clone()), &Type::Number).unwrap();
            assert_eq!(decode_json(&json, &Type::Number).unwrap(), Value::Number(n));
        }
        assert_eq!(Number::parse(" 42 ").unwrap().as_str(), "42");
        assert!(Number::parse("+1").is_none());
        assert!(Number::parse("").is_none());
        assert!(Number::parse("01").is_none());
    }
}
