//! The provider core: one internal model of the plugin RPCs that both
//! protocol adapters (tfplugin5 and tfplugin6) translate onto. It decodes
//! values against schemas, plans changes, and dispatches to resources.

use super::config;
use crate::aws;
use crate::datasources::{self, DataSource};
use crate::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::resources::{self, Context, Resource, StateResult};
use crate::schema::Schema;
use crate::value::{self, Type, Value};
use std::sync::RwLock;

/// A value as it travels in the protocol: MessagePack, or JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DynamicValue {
    pub msgpack: Vec<u8>,
    pub json: Vec<u8>,
}

impl DynamicValue {
    fn decode(&self, ty: &Type) -> Result<Value, value::CodecError> {
        if self.msgpack.is_empty() && !self.json.is_empty() {
            value::decode_json(&self.json, ty)
        } else {
            value::decode_msgpack(&self.msgpack, ty)
        }
    }

    fn encode(v: &Value, ty: &Type) -> Result<DynamicValue, value::CodecError> {
        Ok(DynamicValue {
            msgpack: value::encode_msgpack(v, ty)?,
            json: Vec::new(),
        })
    }
}

pub struct ProviderSchemas {
    pub provider: Schema,
    pub resources: Vec<(&'static str, Schema)>,
    pub data_sources: Vec<(&'static str, Schema)>,
}

pub struct PlanRequest {
    pub type_name: String,
    pub prior_state: DynamicValue,
    pub proposed_new_state: DynamicValue,
    pub config: DynamicValue,
    pub prior_private: Vec<u8>,
}

#[derive(Default)]
pub struct PlanResponse {
    pub planned_state: Option<DynamicValue>,
    pub requires_replace: Vec<AttrPath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct ApplyRequest {
    pub type_name: String,
    pub prior_state: DynamicValue,
    pub planned_state: DynamicValue,
    pub config: DynamicValue,
    pub planned_private: Vec<u8>,
}

#[derive(Default)]
pub struct StateResponse {
    pub new_state: Option<DynamicValue>,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

impl StateResponse {
    /// Nothing was done: the state Terraform sent stands, with why.
    fn unchanged(
        state: &DynamicValue,
        private: Vec<u8>,
        diagnostics: Diagnostics,
    ) -> StateResponse {
        StateResponse {
            new_state: Some(state.clone()),
            private,
            diagnostics,
        }
    }
}

/// What ReadDataSource answers: the state, or why there is none.
#[derive(Default)]
pub struct DataSourceResponse {
    pub state: Option<DynamicValue>,
    pub diagnostics: Diagnostics,
}

pub struct ImportedResource {
    pub type_name: String,
    pub state: DynamicValue,
}

#[derive(Default)]
pub struct ImportResponse {
    pub imported: Vec<ImportedResource>,
    pub diagnostics: Diagnostics,
}

pub struct WorkspacesProvider {
    resources: Vec<Box<dyn Resource>>,
    data_sources: Vec<Box<dyn DataSource>>,
    context: RwLock<Option<Context>>,
    /// Thrown by StopProvider: ends AWS calls and waits in flight.
    stop: aws::Stop,
}

impl Default for WorkspacesProvider {
    fn default() -> Self {
        WorkspacesProvider::new()
    }
}

fn codec_error(what: &str, err: value::CodecError) -> Diagnostic {
    Diagnostic::error(
        format!("Could not decode {what}"),
        format!("The provider could not read a value Terraform sent: {err}. This is a bug; please report it."),
    )
}

impl WorkspacesProvider {
    pub fn new() -> WorkspacesProvider {
        WorkspacesProvider {
            resources: resources::all(),
            data_sources: datasources::all(),
            context: RwLock::new(None),
            stop: aws::Stop::new(),
        }
    }

    /// StopProvider: Terraform was interrupted. Calls and waits in flight
    /// end with a diagnostic; what they already changed stays in state.
    pub fn stop(&self) {
        tracing::info!(
            "Terraform asked the provider to stop; ending AWS calls and waits in flight"
        );
        self.stop.stop();
    }

    pub fn schemas(&self) -> ProviderSchemas {
        ProviderSchemas {
            provider: config::schema(),
            resources: self
                .resources
                .iter()
                .map(|r| (r.type_name(), r.schema()))
                .collect(),
            data_sources: self
                .data_sources
                .iter()
                .map(|d| (d.type_name(), d.schema()))
                .collect(),
        }
    }

    pub fn resource_names(&self) -> Vec<&'static str> {
        self.resources.iter().map(|r| r.type_name()).collect()
    }

    pub fn data_source_names(&self) -> Vec<&'static str> {
        self.data_sources.iter().map(|d| d.type_name()).collect()
    }

    fn resource(&self, type_name: &str) -> Result<(&dyn Resource, Schema, Type), Diagnostics> {
        let r = self
            .resources
            .iter()
            .find(|r| r.type_name() == type_name)
            .ok_or_else(|| {
                Diagnostics::from(Diagnostic::error(
                    "Unknown resource type",
                    format!("This provider has no resource type {type_name:?}."),
                ))
            })?;
        let schema = r.schema();
        let ty = schema.block.value_type();
        Ok((r.as_ref(), schema, ty))
    }

    fn data_source(&self, type_name: &str) -> Result<(&dyn DataSource, Type), Diagnostics> {
        let d = self
            .data_sources
            .iter()
            .find(|d| d.type_name() == type_name)
            .ok_or_else(|| {
                Diagnostics::from(Diagnostic::error(
                    "Unknown data source type",
                    format!("This provider has no data source type {type_name:?}."),
                ))
            })?;
        Ok((d.as_ref(), d.schema().block.value_type()))
    }

    fn decode(dv: &DynamicValue, ty: &Type, what: &str) -> Result<Value, Diagnostics> {
        super::capture::record(dv, ty, what);
        dv.decode(ty).map_err(|e| codec_error(what, e).into())
    }

    fn encode(v: &Value, ty: &Type) -> Result<DynamicValue, Diagnostics> {
        DynamicValue::encode(v, ty).map_err(|e| {
            Diagnostic::error(
                "Could not encode state",
                format!("{e}. This is a bug; please report it."),
            )
            .into()
        })
    }

    /// The configured context, if ConfigureProvider has run with a wholly
    /// known provider block.
    fn configured(&self) -> Option<Context> {
        self.context
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn context(&self) -> Result<Context, Diagnostics> {
        self.configured().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The workspaces provider has no AWS configuration yet. This happens when the provider block \
                 depends on values known only after apply; apply those first.",
            )
            .into()
        })
    }

    pub fn validate_provider_config(&self, config: &DynamicValue) -> Diagnostics {
        let ty = config::schema().block.value_type();
        match Self::decode(config, &ty, "provider configuration") {
            Ok(v) => config::validate(&v),
            Err(d) => d,
        }
    }

    pub async fn configure(&self, config: &DynamicValue) -> Diagnostics {
        let ty = config::schema().block.value_type();
        let settings = match Self::decode(config, &ty, "provider configuration")
            .and_then(|v| config::parse(&v))
        {
            Ok(Some(s)) => s,
            Ok(None) => return Diagnostics::new(),
            Err(d) => return d,
        };
        match aws::connect(&settings.client).await {
            Ok(client) => {
                let context = Context {
                    aws: client.with_stop(self.stop.clone()),
                    guard: settings.guard,
                    concurrency: settings.concurrency,
                };
                *self.context.write().unwrap_or_else(|p| p.into_inner()) = Some(context);
                Diagnostics::new()
            }
            Err(e) => {
                let d = Diagnostic::error(e.summary(), e.to_string());
                match e {
                    aws::ConnectError::NoRegion => d.at(AttrPath::root("region")).into(),
                    aws::ConnectError::NoCredentials(_) => d.into(),
                }
            }
        }
    }

    pub fn validate_resource_config(&self, type_name: &str, config: &DynamicValue) -> Diagnostics {
        let run = || -> Result<Diagnostics, Diagnostics> {
            let (res, _, ty) = self.resource(type_name)?;
            Ok(res.validate(&Self::decode(config, &ty, "resource configuration")?))
        };
        run().unwrap_or_else(|d| d)
    }

    pub fn validate_data_source_config(
        &self,
        type_name: &str,
        config: &DynamicValue,
    ) -> Diagnostics {
        let run = || -> Result<Diagnostics, Diagnostics> {
            let (ds, ty) = self.data_source(type_name)?;
            Ok(ds.validate(&Self::decode(config, &ty, "data source configuration")?))
        };
        run().unwrap_or_else(|d| d)
    }

    /// Reads a data source. Terraform calls this only once the configuration
    /// is wholly known (it defers the read otherwise); validation runs again
    /// first so that nothing malformed reaches AWS whatever the client did.
    pub async fn read_data_source(
        &self,
        type_name: &str,
        config: &DynamicValue,
    ) -> DataSourceResponse {
        let run = async {
            let (ds, ty) = self.data_source(type_name)?;
            let config = Self::decode(config, &ty, "data source configuration")?;
            let mut diagnostics = ds.validate(&config);
            if diagnostics.has_errors() {
                return Err(diagnostics);
            }
            if !config.is_wholly_known() {
                diagnostics.push(Diagnostic::error(
                    "Data source configuration not known",
                    format!(
                        "Terraform asked to read {type_name} before its configuration was known. This \
                         is a bug in Terraform or the provider; please report it."
                    ),
                ));
                return Err(diagnostics);
            }
            let (ctx, _) = self.context()?.within(resources::timeouts::READ);
            let state = ds.read(&ctx, &config).await?;
            Ok(DataSourceResponse {
                state: Some(Self::encode(&state, &ty)?),
                diagnostics,
            })
        };
        run.await.unwrap_or_else(|diagnostics| DataSourceResponse {
            state: None,
            diagnostics,
        })
    }

    /// Stored state from any earlier schema version, as the current one.
    pub fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        raw_json: &[u8],
    ) -> StateResponse {
        let run = || -> Result<DynamicValue, Diagnostics> {
            let (_, schema, ty) = self.resource(type_name)?;
            if version > schema.version {
                return Err(Diagnostic::error(
                    "State from a newer provider",
                    format!(
                        "The state of this {type_name} was written by a provider with schema version {version}; \
                         this provider knows version {}. Upgrade the provider.",
                        schema.version
                    ),
                )
                .into());
            }
            if raw_json.is_empty() {
                return Err(Diagnostic::error(
                    "Unsupported state format",
                    "The stored state is in the legacy flatmap format, which this provider never wrote.",
                )
                .into());
            }
            let raw = DynamicValue {
                msgpack: Vec::new(),
                json: raw_json.to_vec(),
            };
            super::capture::record(&raw, &ty, "stored state");
            let v = super::upgrade::stored_state(type_name, &schema, raw_json)?;
            Self::encode(&v, &ty)
        };
        match run() {
            Ok(state) => StateResponse {
                new_state: Some(state),
                ..StateResponse::default()
            },
            Err(diagnostics) => StateResponse {
                diagnostics,
                ..StateResponse::default()
            },
        }
    }

    pub async fn read_resource(
        &self,
        type_name: &str,
        current: &DynamicValue,
        private: Vec<u8>,
    ) -> StateResponse {
        let prepared = (|| {
            let (res, _, ty) = self.resource(type_name)?;
            let state = Self::decode(current, &ty, "current state")?;
            Ok::<_, Diagnostics>((res, ty, state))
        })();
        let (res, ty, state) = match prepared {
            Ok(p) => p,
            Err(diagnostics) => {
                return StateResponse {
                    diagnostics,
                    ..StateResponse::default()
                }
            }
        };
        if state.is_null() {
            return StateResponse::unchanged(current, private, Diagnostics::new());
        }
        let ctx = match self.context() {
            Ok(c) => c.within(resources::timeouts::READ).0,
            Err(diagnostics) => return StateResponse::unchanged(current, private, diagnostics),
        };
        Self::finish(res.read(&ctx, &state).await, &ty, private)
    }

    fn finish(result: StateResult, ty: &Type, private: Vec<u8>) -> StateResponse {
        let mut diagnostics = result.diagnostics;
        let state = result.state.unwrap_or(Value::Null);
        match Self::encode(&state, ty) {
            Ok(dv) => StateResponse {
                new_state: Some(dv),
                private,
                diagnostics,
            },
            Err(d) => {
                diagnostics.extend(d);
                StateResponse {
                    new_state: None,
                    private,
                    diagnostics,
                }
            }
        }
    }

    pub async fn plan_resource_change(&self, req: &PlanRequest) -> PlanResponse {
        match self.plan(req).await {
            Ok(resp) => resp,
            Err(diagnostics) => PlanResponse {
                diagnostics,
                ..PlanResponse::default()
            },
        }
    }

    async fn plan(&self, req: &PlanRequest) -> Result<PlanResponse, Diagnostics> {
        let (res, schema, ty) = self.resource(&req.type_name)?;
        let prior = Self::decode(&req.prior_state, &ty, "prior state")?;
        let proposed = Self::decode(&req.proposed_new_state, &ty, "proposed new state")?;
        let config = Self::decode(&req.config, &ty, "configuration")?;
        if proposed.is_null() {
            // Destroy: nothing to plan beyond the object going away.
            return Ok(PlanResponse {
                planned_state: Some(req.proposed_new_state.clone()),
                planned_private: req.prior_private.clone(),
                ..PlanResponse::default()
            });
        }
        let mut diagnostics = res.validate(&config);
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        let mut planned = proposed;
        if prior.is_null() || planned != prior {
            // As terraform-plugin-framework does: computed attributes the
            // configuration leaves unset may change, so they become unknown.
            if let Value::Object(attrs) = &mut planned {
                for a in schema.block.attributes.iter().filter(|a| a.computed) {
                    if config.attr(a.name).is_none_or(Value::is_null) {
                        attrs.insert(a.name.to_string(), Value::Unknown);
                    }
                }
            }
            let ctx = self
                .configured()
                .map(|c| c.within(resources::timeouts::READ).0);
            diagnostics.extend(res.plan(ctx.as_ref(), &prior, &mut planned).await);
            if diagnostics.has_errors() {
                return Err(diagnostics);
            }
        }
        let requires_replace = if prior.is_null() {
            Vec::new()
        } else {
            schema
                .block
                .attributes
                .iter()
                .filter(|a| a.requires_replace && planned.attr(a.name) != prior.attr(a.name))
                .map(|a| AttrPath::root(a.name))
                .collect()
        };
        Ok(PlanResponse {
            planned_state: Some(Self::encode(&planned, &ty)?),
            requires_replace,
            planned_private: req.prior_private.clone(),
            diagnostics,
        })
    }

    pub async fn apply_resource_change(&self, req: &ApplyRequest) -> StateResponse {
        let prepared = (|| {
            let (res, _, ty) = self.resource(&req.type_name)?;
            let prior = Self::decode(&req.prior_state, &ty, "prior state")?;
            let planned = Self::decode(&req.planned_state, &ty, "planned state")?;
            Ok::<_, Diagnostics>((res, ty, prior, planned))
        })();
        let private = req.planned_private.clone();
        let (res, ty, prior, planned) = match prepared {
            Ok(p) => p,
            Err(diagnostics) => {
                return StateResponse::unchanged(&req.prior_state, private, diagnostics)
            }
        };
        let ctx = match self.context() {
            Ok(c) => c,
            Err(diagnostics) => {
                return StateResponse::unchanged(&req.prior_state, private, diagnostics)
            }
        };
        if planned.is_null() {
            let diagnostics = res.delete(&ctx, &prior).await;
            // A failed delete keeps the object in state: it still exists.
            let state = diagnostics.has_errors().then_some(prior);
            return Self::finish(StateResult { state, diagnostics }, &ty, private);
        }
        let result = if prior.is_null() {
            res.create(&ctx, &planned).await
        } else {
            res.update(&ctx, &prior, &planned).await
        };
        Self::finish(result, &ty, private)
    }

    pub fn import_resource_state(&self, type_name: &str, id: &str) -> ImportResponse {
        let run = || -> Result<ImportResponse, Diagnostics> {
            let (res, _, ty) = self.resource(type_name)?;
            let state = res.import(id)?;
            Ok(ImportResponse {
                imported: vec![ImportedResource {
                    type_name: type_name.to_string(),
                    state: Self::encode(&state, &ty)?,
                }],
                diagnostics: Diagnostics::new(),
            })
        };
        run().unwrap_or_else(|diagnostics| ImportResponse {
            imported: Vec::new(),
            diagnostics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA_SOURCE: &str = datasources::image_permissions::TYPE_NAME;

    /// A data source configuration with `image_id` set and the rest null.
    fn data_source_config(core: &WorkspacesProvider, image_id: Value) -> DynamicValue {
        let (ds, ty) = core.data_source(DATA_SOURCE).expect("data source");
        let schema = ds.schema();
        let attrs = schema.block.attributes.iter().map(|a| {
            let v = if a.name == "image_id" {
                image_id.clone()
            } else {
                Value::Null
            };
            (a.name, v)
        });
        DynamicValue::encode(&Value::object(attrs), &ty).expect("encode")
    }

    fn summaries(d: &Diagnostics) -> Vec<&str> {
        d.iter().map(|d| d.summary.as_str()).collect()
    }

    #[test]
    fn data_sources_are_listed_with_their_schemas() {
        let core = WorkspacesProvider::new();
        assert_eq!(core.data_source_names(), vec![DATA_SOURCE]);
        let schemas = core.schemas();
        assert_eq!(schemas.data_sources.len(), 1);
        assert_eq!(schemas.data_sources[0].0, DATA_SOURCE);
    }

    #[test]
    fn an_unknown_data_source_type_is_named() {
        let core = WorkspacesProvider::new();
        let d = core.validate_data_source_config("workspaces_nope", &DynamicValue::default());
        assert_eq!(summaries(&d), vec!["Unknown data source type"]);
        assert!(d.0[0].detail.contains("\"workspaces_nope\""));
    }

    #[tokio::test]
    async fn a_malformed_image_id_fails_the_read_before_any_aws_call() {
        // Unconfigured: had the read gone further it would say so instead.
        let core = WorkspacesProvider::new();
        let config = data_source_config(&core, Value::string("wsi-BAD"));
        let out = core.read_data_source(DATA_SOURCE, &config).await;
        assert!(out.state.is_none());
        assert_eq!(
            summaries(&out.diagnostics),
            vec!["Invalid WorkSpaces image ID"]
        );
        assert_eq!(
            out.diagnostics.0[0].attribute,
            Some(AttrPath::root("image_id"))
        );
    }

    #[tokio::test]
    async fn a_read_with_unknown_configuration_is_refused() {
        let core = WorkspacesProvider::new();
        let config = data_source_config(&core, Value::Unknown);
        assert!(core
            .validate_data_source_config(DATA_SOURCE, &config)
            .is_empty());
        let out = core.read_data_source(DATA_SOURCE, &config).await;
        assert!(out.state.is_none());
        assert_eq!(
            summaries(&out.diagnostics),
            vec!["Data source configuration not known"]
        );
    }

    #[tokio::test]
    async fn a_read_before_configuration_says_so() {
        let core = WorkspacesProvider::new();
        let config = data_source_config(&core, Value::string("wsi-123456789"));
        let out = core.read_data_source(DATA_SOURCE, &config).await;
        assert!(out.state.is_none());
        assert_eq!(summaries(&out.diagnostics), vec!["Provider not configured"]);
    }
}
