//! cty type constraints and their JSON encoding, which is how schemas carry
//! an attribute's type on the wire (`"string"`, `["list","string"]`, ...).

use super::CodecError;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Bool,
    /// Any type; on the wire the value carries its own type.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    pub fn object<I, K>(attrs: I) -> Type
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(attrs.into_iter().map(|(k, t)| (k.into(), t)).collect())
    }

    pub fn to_json(&self) -> Json {
        match self {
            Type::String => json!("string"),
            Type::Number => json!("number"),
            Type::Bool => json!("bool"),
            Type::Dynamic => json!("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Object(attrs) => {
                let m: serde_json::Map<String, Json> = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                json!(["object", m])
            }
            Type::Tuple(elems) => {
                json!(["tuple", elems.iter().map(Type::to_json).collect::<Vec<_>>()])
            }
        }
    }

    /// The bytes a schema attribute's `type` field carries.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    pub fn from_json(j: &Json) -> Result<Type, CodecError> {
        let bad = || CodecError::BadType(j.to_string());
        match j {
            Json::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                _ => Err(bad()),
            },
            Json::Array(parts) if parts.len() >= 2 => {
                let kind = parts[0].as_str().ok_or_else(bad)?;
                match kind {
                    "list" => Ok(Type::List(Box::new(Type::from_json(&parts[1])?))),
                    "set" => Ok(Type::Set(Box::new(Type::from_json(&parts[1])?))),
                    "map" => Ok(Type::Map(Box::new(Type::from_json(&parts[1])?))),
                    // A third element lists optional attributes; it does not
                    // change the wire shape, so it is accepted and ignored.
                    "object" => {
                        let attrs = parts[1].as_object().ok_or_else(bad)?;
                        let mut out = BTreeMap::new();
                        for (k, v) in attrs {
                            out.insert(k.clone(), Type::from_json(v)?);
                        }
                        Ok(Type::Object(out))
                    }
                    "tuple" => {
                        let elems = parts[1].as_array().ok_or_else(bad)?;
                        Ok(Type::Tuple(
                            elems
                                .iter()
                                .map(Type::from_json)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }

    pub fn from_json_bytes(bytes: &[u8]) -> Result<Type, CodecError> {
        let j: Json = serde_json::from_slice(bytes).map_err(|e| CodecError::Json(e.to_string()))?;
        Type::from_json(&j)
    }

    pub fn describe(&self) -> String {
        self.to_json().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_constraints_round_trip_through_their_json_form() {
        let t = Type::object([
            ("id", Type::String),
            ("tags", Type::Map(Box::new(Type::String))),
            ("ports", Type::Set(Box::new(Type::Number))),
            ("pair", Type::Tuple(vec![Type::Bool, Type::Dynamic])),
            ("blocks", Type::list(Type::object([("x", Type::String)]))),
        ]);
        let bytes = t.to_json_bytes();
        assert_eq!(Type::from_json_bytes(&bytes).unwrap(), t);
    }

    #[test]
    fn type_json_matches_terraform_spelling() {
        assert_eq!(
            Type::list(Type::String).to_json().to_string(),
            r#"["list","string"]"#
        );
        assert_eq!(
            Type::object([("a", Type::Number)]).to_json().to_string(),
            r#"["object",{"a":"number"}]"#
        );
    }

    #[test]
    fn object_type_with_optional_attribute_marker_is_accepted() {
        let t = Type::from_json_bytes(br#"["object",{"a":"string"},["a"]]"#).unwrap();
        assert_eq!(t, Type::object([("a", Type::String)]));
    }

    #[test]
    fn unknown_type_names_are_rejected() {
        assert!(Type::from_json_bytes(br#""integer""#).is_err());
        assert!(Type::from_json_bytes(br#"["list"]"#).is_err());
    }
}
