//! MessagePack DynamicValues: arbitrary bytes never panic the decoder, and
//! whatever decodes is written back by the encoder, in MessagePack and in
//! JSON, and reads as itself.
//! Input: one byte choosing the type (types.rs), then the value's bytes.
#![no_main]

// src/value compiled on its own: this target then needs no AWS SDK, tonic
// or aws-lc, and builds in seconds instead of many minutes.
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
    let Ok(v) = decode_msgpack(bytes, &ty) else {
        return;
    };
    match encode_msgpack(&v, &ty) {
        Ok(again) => assert_eq!(decode_msgpack(&again, &ty).as_ref(), Ok(&v)),
        Err(e) => assert!(types::has_dynamic(&ty), "decoded but not encodable: {e}"),
    }
    // The same value as JSON (which has no unknowns) reads as itself too.
    if let Ok(json) = encode_json(&v, &ty) {
        assert_eq!(decode_json(&json, &ty), Ok(v));
    }
});
