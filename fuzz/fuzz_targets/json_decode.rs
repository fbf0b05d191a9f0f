//! JSON DynamicValues (stored state for UpgradeResourceState): arbitrary
//! bytes never panic the decoder, and whatever decodes is written back by
//! the encoder and reads as itself, in JSON and in MessagePack.
//! Input: one byte choosing the type (types.rs), then the JSON text.
#![no_main]

// src/value compiled on its own, as in msgpack_decode.rs.
mod types;
#[allow(dead_code)]
#[path = "../../src/value/mod.rs"]
mod value;

use libfuzzer_sys::fuzz_target;
use value::{decode_json, decode_msgpack, encode_json, encode_msgpack};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let ty = types::pick(selector);
    let Ok(v) = decode_json(bytes, &ty) else {
        return;
    };
    match encode_json(&v, &ty) {
        Ok(again) => assert_eq!(decode_json(&again, &ty).as_ref(), Ok(&v)),
        Err(e) => assert!(types::has_dynamic(&ty), "decoded but not encodable: {e}"),
    }
    // The path of upgraded state: JSON in, MessagePack out.
    if let Ok(mp) = encode_msgpack(&v, &ty) {
        assert_eq!(decode_msgpack(&mp, &ty), Ok(v));
    }
});
