//! Property tests of the cty value codecs (src/value): random values of
//! random types round-trip through MessagePack and JSON, and both decoders
//! read the wire form Terraform itself writes, rendered here independently
//! of our encoders (a `dynamic` slot carries the value's real type, not the
//! one our encoder infers; numbers come as integers, floats or decimal
//! text; unknowns as extension 0 or Terraform 1.6+'s refined extension 12).

use proptest::prelude::*;
use rmpv::Value as Mp;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use tfws::value::{decode_json, decode_msgpack, encode_json, encode_msgpack, Number, Type, Value};

/// A generated value with Terraform's own renderings of it.
#[derive(Debug, Clone)]
struct Sample {
    value: Value,
    /// Terraform's MessagePack form.
    mp: Mp,
    /// Terraform's JSON form; meaningful only when the value is wholly
    /// known (JSON has no unknowns).
    json: Json,
}

fn primitive_type() -> impl Strategy<Value = Type> {
    prop_oneof![Just(Type::String), Just(Type::Number), Just(Type::Bool)]
}

fn attr_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,10}",
        // Any text at all, which neither codec should care about.
        "\\PC{0,6}",
    ]
}

/// Nested types; `with_dynamic` lets `dynamic` appear at any depth.
fn any_type(with_dynamic: bool) -> BoxedStrategy<Type> {
    let leaf = if with_dynamic {
        prop_oneof![4 => primitive_type(), 1 => Just(Type::Dynamic)].boxed()
    } else {
        primitive_type().boxed()
    };
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Type::List(Box::new(t))),
            inner.clone().prop_map(|t| Type::Set(Box::new(t))),
            inner.clone().prop_map(|t| Type::Map(Box::new(t))),
            prop::collection::btree_map(attr_name(), inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 0..4).prop_map(Type::Tuple),
        ]
    })
    .boxed()
}

/// Numbers from every source, each with the MessagePack form Terraform
/// would use for it.
fn number() -> impl Strategy<Value = (Number, Mp, Json)> {
    fn text(s: &str) -> (Number, Mp, Json) {
        let n = Number::parse(s).unwrap_or_else(|| panic!("{s:?} is a number"));
        let j = Json::Number(s.parse().expect("JSON number"));
        (n, Mp::String(s.into()), j)
    }
    prop_oneof![
        any::<i64>().prop_map(|i| (Number::from(i), Mp::from(i), Json::from(i))),
        any::<u64>().prop_map(|u| (Number::from(u), Mp::from(u), Json::from(u))),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| {
                let n = Number::from_f64(f).expect("finite");
                let j = Json::Number(n.as_str().parse().expect("JSON number"));
                (n, Mp::F64(f), j)
            }),
        "-?(0|[1-9][0-9]{0,40})(\\.[0-9]{1,30})?([eE][-+]?[0-9]{1,4})?".prop_map(|s| text(&s)),
        prop::sample::select(vec![
            "0",
            "-0",
            "-0.0",
            "1.0",
            "1e400",
            "-1e-400",
            "0.1",
            "9007199254740993",
            "18446744073709551616",
            "-9223372036854775809",
            "123456789012345678901234567890.5",
        ])
        .prop_map(text),
    ]
}

fn unknown_mp() -> impl Strategy<Value = Mp> {
    prop_oneof![
        Just(Mp::Ext(0, vec![0])),
        // Terraform 1.6+: a refined unknown ("not null", a string prefix).
        Just(Mp::Ext(12, vec![0x81, 0x01, 0xc3])),
        Just(Mp::Ext(
            12,
            vec![0x82, 0x01, 0xc3, 0x02, 0xa3, b'w', b's', b'i']
        )),
    ]
}

/// A value of `ty`: null, unknown (when `unknowns`) or known, at any depth.
fn sample(ty: &Type, unknowns: bool) -> BoxedStrategy<Sample> {
    let known = known_sample(ty, unknowns);
    let null = Just(Sample {
        value: Value::Null,
        mp: Mp::Nil,
        json: Json::Null,
    });
    if unknowns {
        let unknown = unknown_mp().prop_map(|mp| Sample {
            value: Value::Unknown,
            mp,
            json: Json::Null,
        });
        prop_oneof![1 => null, 1 => unknown, 6 => known].boxed()
    } else {
        prop_oneof![1 => null, 7 => known].boxed()
    }
}

fn known_sample(ty: &Type, unknowns: bool) -> BoxedStrategy<Sample> {
    match ty {
        Type::String => any::<String>()
            .prop_map(|s| Sample {
                value: Value::String(s.clone()),
                mp: Mp::String(s.as_str().into()),
                json: Json::String(s),
            })
            .boxed(),
        Type::Bool => any::<bool>()
            .prop_map(|b| Sample {
                value: Value::Bool(b),
                mp: Mp::Boolean(b),
                json: Json::Bool(b),
            })
            .boxed(),
        Type::Number => number()
            .prop_map(|(n, mp, json)| Sample {
                value: Value::Number(n),
                mp,
                json,
            })
            .boxed(),
        Type::List(et) | Type::Set(et) => {
            let is_set = matches!(ty, Type::Set(_));
            prop::collection::vec(sample(et, unknowns), 0..4)
                .prop_map(move |items| {
                    let values = items.iter().map(|s| s.value.clone()).collect();
                    Sample {
                        value: if is_set {
                            Value::Set(values)
                        } else {
                            Value::List(values)
                        },
                        mp: Mp::Array(items.iter().map(|s| s.mp.clone()).collect()),
                        json: Json::Array(items.into_iter().map(|s| s.json).collect()),
                    }
                })
                .boxed()
        }
        Type::Tuple(ets) => ets
            .iter()
            .map(|et| sample(et, unknowns))
            .collect::<Vec<_>>()
            .prop_map(|items| Sample {
                value: Value::Tuple(items.iter().map(|s| s.value.clone()).collect()),
                mp: Mp::Array(items.iter().map(|s| s.mp.clone()).collect()),
                json: Json::Array(items.into_iter().map(|s| s.json).collect()),
            })
            .boxed(),
        Type::Map(et) => prop::collection::btree_map(any::<String>(), sample(et, unknowns), 0..4)
            .prop_map(|entries| Sample {
                value: Value::Map(
                    entries
                        .iter()
                        .map(|(k, s)| (k.clone(), s.value.clone()))
                        .collect(),
                ),
                mp: Mp::Map(
                    entries
                        .iter()
                        .map(|(k, s)| (Mp::String(k.as_str().into()), s.mp.clone()))
                        .collect(),
                ),
                json: Json::Object(entries.into_iter().map(|(k, s)| (k, s.json)).collect()),
            })
            .boxed(),
        Type::Object(attrs) => {
            let names: Vec<String> = attrs.keys().cloned().collect();
            attrs
                .values()
                .map(|at| sample(at, unknowns))
                .collect::<Vec<_>>()
                .prop_map(move |vals| {
                    let entries: Vec<(String, Sample)> = names.iter().cloned().zip(vals).collect();
                    Sample {
                        value: Value::Object(
                            entries
                                .iter()
                                .map(|(k, s)| (k.clone(), s.value.clone()))
                                .collect::<BTreeMap<_, _>>(),
                        ),
                        mp: Mp::Map(
                            entries
                                .iter()
                                .map(|(k, s)| (Mp::String(k.as_str().into()), s.mp.clone()))
                                .collect(),
                        ),
                        json: Json::Object(entries.into_iter().map(|(k, s)| (k, s.json)).collect()),
                    }
                })
                .boxed()
        }
        // What cty itself can hold here: a value of one concrete type,
        // which travels with it.
        Type::Dynamic => any_type(false)
            .prop_flat_map(move |actual| {
                let type_json = actual.to_json();
                let type_bytes = actual.to_json_bytes();
                known_sample(&actual, unknowns).prop_map(move |s| Sample {
                    value: s.value,
                    mp: Mp::Array(vec![Mp::Binary(type_bytes.clone()), s.mp]),
                    json: serde_json::json!({"value": s.json, "type": type_json.clone()}),
                })
            })
            .boxed(),
    }
}

fn typed_sample(unknowns: bool) -> impl Strategy<Value = (Type, Sample)> {
    any_type(true).prop_flat_map(move |ty| (Just(ty.clone()), sample(&ty, unknowns)))
}

fn mp_bytes(mp: &Mp) -> Vec<u8> {
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, mp).expect("write msgpack");
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn msgpack_round_trips((ty, s) in typed_sample(true)) {
        let bytes = encode_msgpack(&s.value, &ty).expect("encode");
        prop_assert_eq!(decode_msgpack(&bytes, &ty).expect("decode"), s.value);
    }

    #[test]
    fn msgpack_decodes_terraforms_encoding((ty, s) in typed_sample(true)) {
        prop_assert_eq!(decode_msgpack(&mp_bytes(&s.mp), &ty).expect("decode"), s.value);
    }

    #[test]
    fn json_round_trips((ty, s) in typed_sample(false)) {
        let bytes = encode_json(&s.value, &ty).expect("encode");
        prop_assert_eq!(decode_json(&bytes, &ty).expect("decode"), s.value);
    }

    #[test]
    fn json_decodes_terraforms_encoding((ty, s) in typed_sample(false)) {
        let bytes = serde_json::to_vec(&s.json).expect("render JSON");
        prop_assert_eq!(decode_json(&bytes, &ty).expect("decode"), s.value);
    }

    /// Both codecs carry the same value: MessagePack out, JSON back, and
    /// the other way (the path of state upgraded from JSON into a plan).
    #[test]
    fn codecs_agree((ty, s) in typed_sample(false)) {
        let from_json = decode_json(&encode_json(&s.value, &ty).expect("json"), &ty).expect("decode json");
        let via_mp = decode_msgpack(&encode_msgpack(&from_json, &ty).expect("msgpack"), &ty).expect("decode msgpack");
        prop_assert_eq!(via_mp, s.value);
    }

    #[test]
    fn types_round_trip_through_their_json_form(ty in any_type(true)) {
        prop_assert_eq!(Type::from_json_bytes(&ty.to_json_bytes()).expect("type"), ty);
    }

    /// Unknowns anywhere make JSON encoding fail cleanly, never panic.
    #[test]
    fn json_refuses_unknowns_without_panicking((ty, s) in typed_sample(true)) {
        let out = encode_json(&s.value, &ty);
        prop_assert_eq!(out.is_ok(), s.value.is_wholly_known());
    }
}
