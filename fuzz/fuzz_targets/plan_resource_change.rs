//! A whole tfplugin5 PlanResourceChange request, protobuf bytes as gRPC
//! hands them over, into the provider core: it never panics, and a plan
//! without errors is a state that decodes. The core is called directly,
//! not through the protocol adapter, whose panic guard would hide a panic.
//! Opt-in (feature `provider`): see README.md here.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use std::sync::OnceLock;
use tfws::proto::tfplugin5::{plan_resource_change::Request, DynamicValue as PbValue};
use tfws::provider::{DynamicValue, PlanRequest, WorkspacesProvider};

fn dv(v: Option<PbValue>) -> DynamicValue {
    let v = v.unwrap_or_default();
    DynamicValue {
        msgpack: v.msgpack,
        json: v.json,
    }
}

fuzz_target!(|data: &[u8]| {
    static CORE: OnceLock<(WorkspacesProvider, tokio::runtime::Runtime)> = OnceLock::new();
    let (core, rt) = CORE.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        (WorkspacesProvider::new(), rt)
    });
    let Ok(r) = Request::decode(data) else {
        return;
    };
    let req = PlanRequest {
        type_name: r.type_name,
        prior_state: dv(r.prior_state),
        proposed_new_state: dv(r.proposed_new_state),
        config: dv(r.config),
        prior_private: r.prior_private,
    };
    let out = rt.block_on(core.plan_resource_change(&req));
    if !out.diagnostics.has_errors() {
        let planned = out
            .planned_state
            .expect("a plan without errors has a planned state");
        let ty = core
            .schemas()
            .resources
            .into_iter()
            .find(|(n, _)| *n == req.type_name)
            .expect("planned a resource type the provider has")
            .1
            .block
            .value_type();
        // As the core reads a DynamicValue: MessagePack unless only JSON
        // is there (a destroy plan hands back the proposed null as sent).
        let back = if planned.msgpack.is_empty() && !planned.json.is_empty() {
            tfws::value::decode_json(&planned.json, &ty)
        } else {
            tfws::value::decode_msgpack(&planned.msgpack, &ty)
        };
        back.expect("planned state decodes");
    }
});
