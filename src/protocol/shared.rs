//! Conversions and RPC bodies common to tfplugin5 and tfplugin6. Each macro
//! is expanded with the generated module of one protocol version as `$pb`.

/// Functions between the internal model and `$pb`'s messages.
macro_rules! conversions {
    ($pb:ident) => {
        use crate::diag::{AttrPath, Diagnostic, Diagnostics, PathStep, Severity};
        use crate::proto::$pb as pb;
        use crate::provider::DynamicValue;
        use crate::schema::{Block, Nesting, Schema};

        pub fn dv_in(v: Option<pb::DynamicValue>) -> DynamicValue {
            v.map(|v| DynamicValue {
                msgpack: v.msgpack,
                json: v.json,
            })
            .unwrap_or_default()
        }

        pub fn dv_out(v: DynamicValue) -> pb::DynamicValue {
            pb::DynamicValue {
                msgpack: v.msgpack,
                json: v.json,
            }
        }

        pub fn path_out(p: AttrPath) -> pb::AttributePath {
            use pb::attribute_path::{step::Selector, Step};
            // The protocol has no selector for a set element (Terraform's
            // ElementKeyValue never goes on the wire), so a path ends at the
            // set itself, which Terraform then highlights; the diagnostic's
            // detail names the element.
            let steps =
                p.0.into_iter()
                    .map_while(|s| match s {
                        PathStep::Attr(a) => Some(Selector::AttributeName(a)),
                        PathStep::Key(k) => Some(Selector::ElementKeyString(k)),
                        PathStep::Index(i) => Some(Selector::ElementKeyInt(i)),
                        PathStep::SetElement(_) => None,
                    })
                    .map(|selector| Step {
                        selector: Some(selector),
                    })
                    .collect();
            pb::AttributePath { steps }
        }

        pub fn diag_out(d: Diagnostic) -> pb::Diagnostic {
            let severity = match d.severity {
                Severity::Error => pb::diagnostic::Severity::Error,
                Severity::Warning => pb::diagnostic::Severity::Warning,
            };
            pb::Diagnostic {
                severity: severity as i32,
                summary: d.summary,
                detail: d.detail,
                attribute: d.attribute.map(path_out),
            }
        }

        pub fn diags_out(d: Diagnostics) -> Vec<pb::Diagnostic> {
            d.into_iter().map(diag_out).collect()
        }

        /// One error diagnostic for an RPC of a feature we do not offer.
        pub fn unsupported(what: &str) -> Vec<pb::Diagnostic> {
            vec![diag_out(Diagnostic::error(
                format!("{what} not supported"),
                crate::protocol::NOT_SUPPORTED_DETAIL,
            ))]
        }

        pub fn block_out(b: &Block) -> pb::schema::Block {
            use pb::schema::nested_block::NestingMode;
            pb::schema::Block {
                version: 0,
                attributes: b
                    .attributes
                    .iter()
                    .map(|a| pb::schema::Attribute {
                        name: a.name.to_string(),
                        r#type: a.ty.to_json_bytes(),
                        description: a.description.to_string(),
                        required: a.required,
                        optional: a.optional,
                        computed: a.computed,
                        sensitive: a.sensitive,
                        description_kind: pb::StringKind::Markdown as i32,
                        ..Default::default()
                    })
                    .collect(),
                block_types: b
                    .block_types
                    .iter()
                    .map(|nb| pb::schema::NestedBlock {
                        type_name: nb.type_name.to_string(),
                        block: Some(block_out(&nb.block)),
                        nesting: match nb.nesting {
                            Nesting::Single => NestingMode::Single,
                            Nesting::List => NestingMode::List,
                            Nesting::Set => NestingMode::Set,
                        } as i32,
                        min_items: nb.min_items,
                        max_items: nb.max_items,
                    })
                    .collect(),
                description: b.description.to_string(),
                description_kind: pb::StringKind::Markdown as i32,
                deprecated: false,
            }
        }

        pub fn schema_out(s: &Schema) -> pb::Schema {
            pb::Schema {
                version: s.version,
                block: Some(block_out(&s.block)),
            }
        }

        pub fn server_capabilities() -> pb::ServerCapabilities {
            // plan_destroy: we want PlanResourceChange for destroys too, so
            // destroy plans go through the same validation path.
            pb::ServerCapabilities {
                plan_destroy: true,
                ..Default::default()
            }
        }

        pub fn schemas_out(
            core: &crate::provider::WorkspacesProvider,
        ) -> pb::get_provider_schema::Response {
            let schemas = core.schemas();
            pb::get_provider_schema::Response {
                provider: Some(schema_out(&schemas.provider)),
                resource_schemas: schemas
                    .resources
                    .iter()
                    .map(|(name, s)| (name.to_string(), schema_out(s)))
                    .collect(),
                data_source_schemas: schemas
                    .data_sources
                    .iter()
                    .map(|(name, s)| (name.to_string(), schema_out(s)))
                    .collect(),
                server_capabilities: Some(server_capabilities()),
                ..Default::default()
            }
        }
    };
}

/// Wraps a response message for tonic.
macro_rules! reply {
    ($msg:expr) => {
        Ok(tonic::Response::new($msg))
    };
}

/// The `Provider` service impl for one version. A version passes the RPCs
/// it alone has that merely report "not supported" (as a table), then its
/// own hand-written methods; this adds the RPCs both versions share.
macro_rules! provider_service {
    (unsupported { $($table:tt)* } $($version_specific:tt)*) => {
        provider_service_impl! {
            unsupported {
                $($table)*
                upgrade_resource_identity(upgrade_resource_identity) => "Resource identity";
                move_resource_state(move_resource_state) => "Moving state from another resource type";
                generate_resource_config(generate_resource_config) => "Generating configuration";
                validate_ephemeral_resource_config(validate_ephemeral_resource_config) => "Ephemeral resources";
                open_ephemeral_resource(open_ephemeral_resource) => "Ephemeral resources";
                renew_ephemeral_resource(renew_ephemeral_resource) => "Ephemeral resources";
                close_ephemeral_resource(close_ephemeral_resource) => "Ephemeral resources";
                validate_list_resource_config(validate_list_resource_config) => "List resources";
                plan_action(plan_action) => "Actions";
                validate_action_config(validate_action_config) => "Actions";
            }
            $($version_specific)*
        }
    };
}

/// Emits the whole impl in one expansion: `async_trait` only rewrites the
/// methods it can see, not ones behind a macro call inside the impl.
macro_rules! provider_service_impl {
    (
        unsupported { $($method:ident($module:ident) => $what:literal;)* }
        $($version_specific:tt)*
    ) => {
        #[tonic::async_trait]
        impl pb::provider_server::Provider for crate::protocol::Adapter {
            $(
                #[allow(clippy::needless_update)]
                async fn $method(
                    &self,
                    _req: tonic::Request<pb::$module::Request>,
                ) -> Result<tonic::Response<pb::$module::Response>, tonic::Status> {
                    reply!(pb::$module::Response {
                        diagnostics: convert::unsupported($what),
                        ..Default::default()
                    })
                }
            )*

            $($version_specific)*

        async fn get_metadata(
            &self,
            _req: tonic::Request<pb::get_metadata::Request>,
        ) -> Result<tonic::Response<pb::get_metadata::Response>, tonic::Status> {
            let resources = self
                .core
                .resource_names()
                .into_iter()
                .map(|n| pb::get_metadata::ResourceMetadata { type_name: n.to_string() })
                .collect();
            let data_sources = self
                .core
                .data_source_names()
                .into_iter()
                .map(|n| pb::get_metadata::DataSourceMetadata { type_name: n.to_string() })
                .collect();
            reply!(pb::get_metadata::Response {
                server_capabilities: Some(convert::server_capabilities()),
                resources,
                data_sources,
                ..Default::default()
            })
        }

        async fn upgrade_resource_state(
            &self,
            req: tonic::Request<pb::upgrade_resource_state::Request>,
        ) -> Result<tonic::Response<pb::upgrade_resource_state::Response>, tonic::Status> {
            let r = req.into_inner();
            let raw = r.raw_state.map(|s| s.json).unwrap_or_default();
            let out = crate::protocol::guarded_sync(
                "UpgradeResourceState",
                || self.core.upgrade_resource_state(&r.type_name, r.version, &raw),
                |diagnostics| crate::provider::StateResponse { diagnostics, ..Default::default() },
            );
            reply!(pb::upgrade_resource_state::Response {
                upgraded_state: out.new_state.map(convert::dv_out),
                diagnostics: convert::diags_out(out.diagnostics),
            })
        }

        async fn get_resource_identity_schemas(
            &self,
            _req: tonic::Request<pb::get_resource_identity_schemas::Request>,
        ) -> Result<tonic::Response<pb::get_resource_identity_schemas::Response>, tonic::Status> {
            // No resource identities: OpenTofu does not support them.
            reply!(pb::get_resource_identity_schemas::Response::default())
        }

        async fn read_resource(
            &self,
            req: tonic::Request<pb::read_resource::Request>,
        ) -> Result<tonic::Response<pb::read_resource::Response>, tonic::Status> {
            let r = req.into_inner();
            let current = convert::dv_in(r.current_state);
            // On a panic the state stands as it was: nothing is dropped.
            let kept = (current.clone(), r.private.clone());
            let out = crate::protocol::guarded(
                "ReadResource",
                self.core.read_resource(&r.type_name, &current, r.private),
                |diagnostics| crate::provider::StateResponse {
                    new_state: Some(kept.0),
                    private: kept.1,
                    diagnostics,
                },
            )
            .await;
            reply!(pb::read_resource::Response {
                new_state: out.new_state.map(convert::dv_out),
                diagnostics: convert::diags_out(out.diagnostics),
                private: out.private,
                ..Default::default()
            })
        }

        async fn plan_resource_change(
            &self,
            req: tonic::Request<pb::plan_resource_change::Request>,
        ) -> Result<tonic::Response<pb::plan_resource_change::Response>, tonic::Status> {
            let r = req.into_inner();
            let req = crate::provider::PlanRequest {
                type_name: r.type_name,
                prior_state: convert::dv_in(r.prior_state),
                proposed_new_state: convert::dv_in(r.proposed_new_state),
                config: convert::dv_in(r.config),
                prior_private: r.prior_private,
            };
            let out = crate::protocol::guarded(
                "PlanResourceChange",
                self.core.plan_resource_change(&req),
                |diagnostics| crate::provider::PlanResponse { diagnostics, ..Default::default() },
            )
            .await;
            reply!(pb::plan_resource_change::Response {
                planned_state: out.planned_state.map(convert::dv_out),
                requires_replace: out.requires_replace.into_iter().map(convert::path_out).collect(),
                planned_private: out.planned_private,
                diagnostics: convert::diags_out(out.diagnostics),
                ..Default::default()
            })
        }

        async fn apply_resource_change(
            &self,
            req: tonic::Request<pb::apply_resource_change::Request>,
        ) -> Result<tonic::Response<pb::apply_resource_change::Response>, tonic::Status> {
            let r = req.into_inner();
            let req = crate::provider::ApplyRequest {
                type_name: r.type_name,
                prior_state: convert::dv_in(r.prior_state),
                planned_state: convert::dv_in(r.planned_state),
                config: convert::dv_in(r.config),
                planned_private: r.planned_private,
            };
            // On a panic the prior state stands: no record is dropped.
            let out = crate::protocol::guarded(
                "ApplyResourceChange",
                self.core.apply_resource_change(&req),
                |diagnostics| crate::provider::StateResponse {
                    new_state: Some(req.prior_state.clone()),
                    private: req.planned_private.clone(),
                    diagnostics,
                },
            )
            .await;
            reply!(pb::apply_resource_change::Response {
                new_state: out.new_state.map(convert::dv_out),
                private: out.private,
                diagnostics: convert::diags_out(out.diagnostics),
                ..Default::default()
            })
        }

        async fn import_resource_state(
            &self,
            req: tonic::Request<pb::import_resource_state::Request>,
        ) -> Result<tonic::Response<pb::import_resource_state::Response>, tonic::Status> {
            let r = req.into_inner();
            let out = crate::protocol::guarded_sync(
                "ImportResourceState",
                || self.core.import_resource_state(&r.type_name, &r.id),
                |diagnostics| crate::provider::ImportResponse { diagnostics, ..Default::default() },
            );
            reply!(pb::import_resource_state::Response {
                imported_resources: out
                    .imported
                    .into_iter()
                    .map(|i| pb::import_resource_state::ImportedResource {
                        type_name: i.type_name,
                        state: Some(convert::dv_out(i.state)),
                        ..Default::default()
                    })
                    .collect(),
                diagnostics: convert::diags_out(out.diagnostics),
                ..Default::default()
            })
        }

        async fn read_data_source(
            &self,
            req: tonic::Request<pb::read_data_source::Request>,
        ) -> Result<tonic::Response<pb::read_data_source::Response>, tonic::Status> {
            let r = req.into_inner();
            let config = convert::dv_in(r.config);
            let out = crate::protocol::guarded(
                "ReadDataSource",
                self.core.read_data_source(&r.type_name, &config),
                |diagnostics| crate::provider::DataSourceResponse { diagnostics, ..Default::default() },
            )
            .await;
            reply!(pb::read_data_source::Response {
                state: out.state.map(convert::dv_out),
                diagnostics: convert::diags_out(out.diagnostics),
                ..Default::default()
            })
        }

        type ListResourceStream = crate::protocol::BoxStream<pb::list_resource::Event>;

        async fn list_resource(
            &self,
            _req: tonic::Request<pb::list_resource::Request>,
        ) -> Result<tonic::Response<Self::ListResourceStream>, tonic::Status> {
            let event = pb::list_resource::Event {
                diagnostic: convert::unsupported("List resources"),
                ..Default::default()
            };
            reply!(Box::pin(tokio_stream::once(Ok(event))) as Self::ListResourceStream)
        }

        async fn get_functions(
            &self,
            _req: tonic::Request<pb::get_functions::Request>,
        ) -> Result<tonic::Response<pb::get_functions::Response>, tonic::Status> {
            // An empty answer, never Unimplemented: OpenTofu treats that as an error.
            reply!(pb::get_functions::Response::default())
        }

        async fn call_function(
            &self,
            req: tonic::Request<pb::call_function::Request>,
        ) -> Result<tonic::Response<pb::call_function::Response>, tonic::Status> {
            reply!(pb::call_function::Response {
                result: None,
                error: Some(pb::FunctionError {
                    text: format!(
                        "The workspaces provider has no function {:?}; it offers no functions.",
                        req.into_inner().name
                    ),
                    function_argument: None,
                }),
            })
        }

        type InvokeActionStream = crate::protocol::BoxStream<pb::invoke_action::Event>;

        async fn invoke_action(
            &self,
            _req: tonic::Request<pb::invoke_action::Request>,
        ) -> Result<tonic::Response<Self::InvokeActionStream>, tonic::Status> {
            use pb::invoke_action::event::{Completed, Type};
            let event = pb::invoke_action::Event {
                r#type: Some(Type::Completed(Completed { diagnostics: convert::unsupported("Actions") })),
            };
            reply!(Box::pin(tokio_stream::once(Ok(event))) as Self::InvokeActionStream)
        }

    }
    };
}
