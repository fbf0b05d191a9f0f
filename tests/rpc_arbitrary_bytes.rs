//! Every RPC handler of the provider core takes arbitrary bytes without
//! panicking: random bytes, valid encodings of the schemas' own types, and
//! those encodings mutated (bytes flipped, cut, inserted), as MessagePack
//! or JSON DynamicValues, into validate, configure, plan, apply, read,
//! upgrade and import. The stable-toolchain counterpart of the cargo-fuzz
//! targets in fuzz/ (see fuzz/README.md), run on every `cargo test`.
//!
//! Nothing here reaches AWS: the provider is never configured (a
//! configuration that decodes to a wholly known value goes to
//! ValidateProviderConfig only, since ConfigureProvider would connect),
//! and without a configuration plan, apply and read stop before any call.

use proptest::prelude::*;
use std::collections::BTreeMap;
use tfws::provider::{ApplyRequest, DynamicValue, PlanRequest, WorkspacesProvider};
use tfws::value::{decode_json, decode_msgpack, encode_json, encode_msgpack, Number, Type, Value};

/// Strings the resources look at, so that valid encodings get past
/// validation and into planning; plus anything at all.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "wsi-abc123def",
            "wsi-123456789",
            "wsi-BAD",
            "111122223333",
            "123456789012",
            "444455556666/wsi-abc123def",
            "wsi-abc123def/111122223333",
            "us-east-1",
            "30m",
            "1h2m3s",
            "standard",
            "http://127.0.0.1:1",
            "arn:aws:iam::111122223333:role/x",
            "",
        ])
        .prop_map(str::to_string),
        1 => any::<String>(),
    ]
    .boxed()
}

/// A value of `ty`, which may be null or unknown anywhere.
fn value_of(ty: &Type) -> BoxedStrategy<Value> {
    let known: BoxedStrategy<Value> = match ty {
        Type::String => text().prop_map(Value::String).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => prop_oneof![
            (-5i64..100).prop_map(|i| Value::Number(i.into())),
            any::<i64>().prop_map(|i| Value::Number(i.into())),
            Just(Value::Number(Number::parse("1e400").expect("number"))),
            Just(Value::Number(Number::parse("2.5").expect("number"))),
        ]
        .boxed(),
        Type::List(et) => prop::collection::vec(value_of(et), 0..3)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(et) => prop::collection::vec(value_of(et), 0..3)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(et) => prop::collection::btree_map(text(), value_of(et), 0..3)
            .prop_map(Value::Map)
            .boxed(),
        Type::Tuple(ets) => ets
            .iter()
            .map(value_of)
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object(attrs) => {
            let names: Vec<String> = attrs.keys().cloned().collect();
            attrs
                .values()
                .map(value_of)
                .collect::<Vec<_>>()
                .prop_map(move |vals| {
                    Value::Object(names.iter().cloned().zip(vals).collect::<BTreeMap<_, _>>())
                })
                .boxed()
        }
        Type::Dynamic => prop_oneof![
            text().prop_map(Value::String),
            any::<bool>().prop_map(Value::Bool),
        ]
        .boxed(),
    };
    prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 8 => known].boxed()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        match *m {
            Mutation::Flip(i, x) if len > 0 => bytes[i % len] ^= x,
            Mutation::Insert(i, x) => bytes.insert(i % (len + 1), x),
            Mutation::Remove(i) if len > 0 => {
                bytes.remove(i % len);
            }
            Mutation::Truncate(i) => bytes.truncate(i % (len + 1)),
            _ => {}
        }
    }
    bytes
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(
        prop_oneof![
            (any::<usize>(), 1u8..=255).prop_map(|(i, x)| Mutation::Flip(i, x)),
            (any::<usize>(), any::<u8>()).prop_map(|(i, x)| Mutation::Insert(i, x)),
            any::<usize>().prop_map(Mutation::Remove),
            any::<usize>().prop_map(Mutation::Truncate),
        ],
        1..4,
    )
}

/// Bytes for a DynamicValue of `ty`: a valid encoding, a mutated one, or
/// noise, in either of the protocol's two forms.
fn dynamic_value(ty: &Type) -> BoxedStrategy<DynamicValue> {
    let ty = ty.clone();
    let valid = value_of(&ty);
    let noise = prop::collection::vec(any::<u8>(), 0..64);
    let encoded = (
        valid,
        any::<bool>(),
        prop::option::weighted(0.15, mutations()),
    )
        .prop_map(move |(v, as_json, muts)| {
            // JSON has no unknowns: those values go as MessagePack.
            let json = as_json.then(|| encode_json(&v, &ty).ok()).flatten();
            let (bytes, is_json) = match json {
                Some(j) => (j, true),
                None => (encode_msgpack(&v, &ty).expect("encode"), false),
            };
            let bytes = match muts {
                Some(m) => mutate(bytes, &m),
                None => bytes,
            };
            dv(bytes, is_json)
        });
    prop_oneof![
        20 => encoded,
        1 => (noise, any::<bool>()).prop_map(|(b, j)| dv(b, j)),
        1 => Just(DynamicValue::default()),
    ]
    .boxed()
}

fn dv(bytes: Vec<u8>, as_json: bool) -> DynamicValue {
    if as_json {
        DynamicValue {
            msgpack: Vec::new(),
            json: bytes,
        }
    } else {
        DynamicValue {
            msgpack: bytes,
            json: Vec::new(),
        }
    }
}

struct Schemas {
    provider: Type,
    resources: Vec<(String, Type)>,
    data_sources: Vec<(String, Type)>,
}

fn schemas() -> Schemas {
    let s = WorkspacesProvider::new().schemas();
    let named = |v: Vec<(&'static str, tfws::schema::Schema)>| {
        v.into_iter()
            .map(|(n, s)| (n.to_string(), s.block.value_type()))
            .collect::<Vec<_>>()
    };
    Schemas {
        provider: s.provider.block.value_type(),
        resources: named(s.resources),
        data_sources: named(s.data_sources),
    }
}

/// One of the given (name, type) pairs, or a name the provider does not
/// have with the first type's values.
fn named_type(pairs: Vec<(String, Type)>) -> impl Strategy<Value = (String, Type)> {
    let fallback = pairs[0].1.clone();
    prop_oneof![
        6 => prop::sample::select(pairs),
        1 => text().prop_map(move |n| (n, fallback.clone())),
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Whether ConfigureProvider would go on to connect to AWS with this value.
fn would_connect(config: &DynamicValue, ty: &Type) -> bool {
    let decoded = if config.msgpack.is_empty() && !config.json.is_empty() {
        decode_json(&config.json, ty)
    } else {
        decode_msgpack(&config.msgpack, ty)
    };
    decoded.is_ok_and(|v| v.is_wholly_known())
}

fn resource_case() -> impl Strategy<Value = (String, Type, [DynamicValue; 3], Vec<u8>)> {
    named_type(schemas().resources).prop_flat_map(|(name, ty)| {
        (
            Just(name),
            Just(ty.clone()),
            [dynamic_value(&ty), dynamic_value(&ty), dynamic_value(&ty)],
            prop::collection::vec(any::<u8>(), 0..16),
        )
    })
}

fn data_source_case() -> impl Strategy<Value = (String, DynamicValue)> {
    named_type(schemas().data_sources).prop_flat_map(|(name, ty)| (Just(name), dynamic_value(&ty)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn provider_config_handlers_never_panic(config in dynamic_value(&schemas().provider)) {
        let core = WorkspacesProvider::new();
        let _ = core.validate_provider_config(&config);
        if !would_connect(&config, &schemas().provider) {
            let _ = runtime().block_on(core.configure(&config));
        }
    }

    #[test]
    fn resource_handlers_never_panic(
        (name, ty, [prior, proposed, config], private) in resource_case(),
        version in prop_oneof![Just(0i64), any::<i64>()],
        id in text(),
    ) {
        let core = WorkspacesProvider::new();
        let rt = runtime();
        let _ = core.validate_resource_config(&name, &config);

        let plan = rt.block_on(core.plan_resource_change(&PlanRequest {
            type_name: name.clone(),
            prior_state: prior.clone(),
            proposed_new_state: proposed.clone(),
            config: config.clone(),
            prior_private: private.clone(),
        }));
        // A plan without errors is a state Terraform can read back.
        if !plan.diagnostics.has_errors() {
            let planned = plan.planned_state.expect("a plan without errors has a planned state");
            let back = if planned.msgpack.is_empty() && !planned.json.is_empty() {
                decode_json(&planned.json, &ty)
            } else {
                decode_msgpack(&planned.msgpack, &ty)
            };
            prop_assert!(back.is_ok(), "planned state does not decode: {:?}", back);
        }

        let _ = rt.block_on(core.apply_resource_change(&ApplyRequest {
            type_name: name.clone(),
            prior_state: prior.clone(),
            planned_state: proposed.clone(),
            config: config.clone(),
            planned_private: private.clone(),
        }));
        let _ = rt.block_on(core.read_resource(&name, &prior, private.clone()));
        let stored = if prior.json.is_empty() { &prior.msgpack } else { &prior.json };
        let _ = core.upgrade_resource_state(&name, version, stored);
        let _ = core.import_resource_state(&name, &id);
    }

    #[test]
    fn data_source_handlers_never_panic((name, config) in data_source_case()) {
        let core = WorkspacesProvider::new();
        let _ = core.validate_data_source_config(&name, &config);
        let _ = runtime().block_on(core.read_data_source(&name, &config));
    }
}

/// The fuzz targets' type table (the first input byte picks one), shared
/// with fuzz/ so that seeds name the same types.
#[allow(dead_code)]
#[path = "../fuzz/fuzz_targets/types.rs"]
mod fuzz_types;
mod value {
    pub use tfws::value::*;
}

/// Writes the seed corpus of the cargo-fuzz targets, fuzz/corpus/<target>/:
/// valid encodings of values of every type the decoder targets use (made
/// by our encoders from a fixed random seed), edge cases, and whole
/// PlanResourceChange requests for each resource. Run by hand after a
/// change to the types or schemas:
///   cargo test --test rpc_arbitrary_bytes -- --ignored write_fuzz_seed_corpus
#[test]
#[ignore = "writes fuzz/corpus; run by hand"]
fn write_fuzz_seed_corpus() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use prost::Message;
    use tfws::proto::tfplugin5 as pb;

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("corpus folder");
        std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("write seed");
    };
    let with_selector = |selector: u8, bytes: &[u8]| [&[selector][..], bytes].concat();
    let mut runner = TestRunner::deterministic();

    // Decoder targets: three values of each type, both codecs.
    let types: Vec<Type> = (0..=u8::MAX)
        .map(fuzz_types::pick)
        .take_while({
            let mut seen = Vec::new();
            move |t| {
                let new = !seen.contains(t);
                seen.push(t.clone());
                new
            }
        })
        .collect();
    for (selector, ty) in types.iter().enumerate() {
        let selector = u8::try_from(selector).expect("few types");
        for i in 0..3 {
            let v = value_of(ty).new_tree(&mut runner).expect("value").current();
            let mp = encode_msgpack(&v, ty).expect("encode");
            write(
                "msgpack_decode",
                &format!("t{selector}-{i}"),
                &with_selector(selector, &mp),
            );
            if let Ok(json) = encode_json(&v, ty) {
                write(
                    "json_decode",
                    &format!("t{selector}-{i}"),
                    &with_selector(selector, &json),
                );
            }
        }
    }
    // Edge cases: null, unknowns (plain and refined), numbers in every
    // form, a type carried inside a dynamic value, deep nesting. The "-0"
    // ones reproduce a round-trip bug the property tests found.
    let number = 1u8;
    let dynamic = 3u8;
    let msgpack_edges: &[(&str, u8, &[u8])] = &[
        ("nil", 0, b"\xc0"),
        ("unknown", 0, b"\xd4\x00\x00"),
        ("refined-unknown", 0, b"\xc7\x03\x0c\x81\x01\xc3"),
        ("neg-zero", number, b"\xa2-0"),
        ("exp-number", number, b"\xa30E0"),
        ("big-number", number, b"\xa51e400"),
        ("u64-max", number, b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff"),
        ("float", number, b"\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00"),
        ("dynamic-string", dynamic, b"\x92\xc4\x08\"string\"\xa2hi"),
        (
            "dynamic-list",
            dynamic,
            b"\x92\xc4\x11[\"list\",\"number\"]\x92\x01\xc0",
        ),
    ];
    for (name, selector, bytes) in msgpack_edges {
        write("msgpack_decode", name, &with_selector(*selector, bytes));
    }
    let mut deep = b"\x92\xc4\x09\"dynamic\"".repeat(200);
    deep.push(0xc0);
    write(
        "msgpack_decode",
        "deep-dynamic",
        &with_selector(dynamic, &deep),
    );
    let json_edges: &[(&str, u8, &[u8])] = &[
        ("null", 0, b"null"),
        ("neg-zero", number, b"-0"),
        ("exp-number", number, b"1E5"),
        ("big-number", number, b"123456789012345678901234567890.5e-7"),
        ("number-string", number, b"\"42\""),
        (
            "dynamic",
            dynamic,
            br#"{"value":["a",null],"type":["list","string"]}"#,
        ),
        ("unicode", 0, "\"\\u00e9\u{1F980}\"".as_bytes()),
    ];
    for (name, selector, bytes) in json_edges {
        write("json_decode", name, &with_selector(*selector, bytes));
    }
    let mut deep = br#"{"type":"dynamic","value":"#.repeat(100);
    deep.extend_from_slice(b"null");
    deep.extend(std::iter::repeat_n(b'}', 100));
    write(
        "json_decode",
        "deep-dynamic",
        &with_selector(dynamic, &deep),
    );

    // PlanResourceChange: create, update and destroy of each resource.
    let to_pb = |mp: Vec<u8>| {
        Some(pb::DynamicValue {
            msgpack: mp,
            json: Vec::new(),
        })
    };
    for (name, ty) in schemas().resources {
        for (i, kind) in ["create", "update", "destroy"].iter().enumerate() {
            let mut value = || {
                let v = value_of(&ty)
                    .new_tree(&mut runner)
                    .expect("value")
                    .current();
                encode_msgpack(&v, &ty).expect("encode")
            };
            let config = value();
            let prior = if *kind == "create" {
                b"\xc0".to_vec()
            } else {
                value()
            };
            let proposed = if *kind == "destroy" {
                b"\xc0".to_vec()
            } else {
                config.clone()
            };
            let req = pb::plan_resource_change::Request {
                type_name: name.clone(),
                prior_state: to_pb(prior),
                proposed_new_state: to_pb(proposed),
                config: to_pb(config),
                prior_private: if i == 1 { b"{}".to_vec() } else { Vec::new() },
                ..Default::default()
            };
            write(
                "plan_resource_change",
                &format!("{name}-{kind}"),
                &req.encode_to_vec(),
            );
        }
    }
}
