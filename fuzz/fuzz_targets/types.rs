//! The types the decoder targets read values as: the first input byte picks
//! one. `dynamic` lets the input name any type itself (as JSON inside the
//! value), so the type parser is fuzzed too.

use crate::value::Type;

pub fn pick(selector: u8) -> Type {
    let set = |t| Type::Set(Box::new(t));
    let map = |t| Type::Map(Box::new(t));
    let all = [
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::list(Type::String),
        set(Type::Number),
        map(Type::Dynamic),
        Type::Tuple(vec![Type::String, Type::Number, Type::Bool]),
        // Shaped like the resources' schemas: strings, a set of account
        // IDs, a nested timeouts block.
        Type::object([
            ("id", Type::String),
            ("image_id", Type::String),
            ("shared_account_ids", set(Type::String)),
            (
                "timeouts",
                Type::object([("create", Type::String), ("delete", Type::String)]),
            ),
        ]),
        Type::list(Type::object([
            ("a", Type::Dynamic),
            ("b", Type::list(Type::Number)),
        ])),
        Type::object::<[(&str, Type); 0], &str>([]),
    ];
    all[usize::from(selector) % all.len()].clone()
}

/// Whether a value of this type might be one our encoder cannot write back:
/// only under `dynamic`, where a list decoded from the wire may hold
/// elements of different types, which cty itself never makes.
pub fn has_dynamic(ty: &Type) -> bool {
    match ty {
        Type::Dynamic => true,
        Type::List(t) | Type::Set(t) | Type::Map(t) => has_dynamic(t),
        Type::Object(attrs) => attrs.values().any(has_dynamic),
        Type::Tuple(ts) => ts.iter().any(has_dynamic),
        Type::String | Type::Number | Type::Bool => false,
    }
}
