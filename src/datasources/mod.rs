//! Data sources. Each is one small type: its schema, validation and a read
//! that turns configuration into state. The provider core handles the value
//! codec, the provider's configuration and the protocol around them.

pub mod image_permissions;

use crate::diag::Diagnostics;
use crate::resources::Context;
use crate::schema::Schema;
use crate::value::Value;

#[tonic::async_trait]
pub trait DataSource: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks the configuration's known values. Runs before any AWS call;
    /// unknown values are skipped (Terraform defers the read until they
    /// are known).
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// The data source's state for a wholly known configuration: the
    /// configured arguments as given, computed attributes filled in.
    async fn read(&self, ctx: &Context, config: &Value) -> Result<Value, Diagnostics>;
}

/// All data sources the provider offers.
pub fn all() -> Vec<Box<dyn DataSource>> {
    vec![Box::new(image_permissions::ImagePermissions)]
}
