//! tfplugin5: Terraform 0.12 through 0.15 and any client offering only 5.

use super::Adapter;
use crate::proto::tfplugin5 as pb;

mod convert {
    conversions!(tfplugin5);
}

pub fn service(adapter: Adapter) -> pb::provider_server::ProviderServer<Adapter> {
    pb::provider_server::ProviderServer::new(adapter)
        .max_decoding_message_size(super::MAX_MESSAGE_BYTES)
        .max_encoding_message_size(super::MAX_MESSAGE_BYTES)
}

provider_service! {
    unsupported {
    }

    async fn validate_data_source_config(
        &self,
        req: tonic::Request<pb::validate_data_source_config::Request>,
    ) -> Result<tonic::Response<pb::validate_data_source_config::Response>, tonic::Status> {
        let r = req.into_inner();
        let config = convert::dv_in(r.config);
        let diags = crate::protocol::guarded_sync("ValidateDataSourceConfig", || self.core.validate_data_source_config(&r.type_name, &config), |d| d);
        reply!(pb::validate_data_source_config::Response { diagnostics: convert::diags_out(diags) })
    }

    async fn get_schema(
        &self,
        _req: tonic::Request<pb::get_provider_schema::Request>,
    ) -> Result<tonic::Response<pb::get_provider_schema::Response>, tonic::Status> {
        reply!(convert::schemas_out(&self.core))
    }

    async fn prepare_provider_config(
        &self,
        req: tonic::Request<pb::prepare_provider_config::Request>,
    ) -> Result<tonic::Response<pb::prepare_provider_config::Response>, tonic::Status> {
        // Version 5 lets a provider rewrite its configuration here; ours
        // needs no defaults filled in, so it comes back as it was.
        let config = req.into_inner().config;
        let dv = convert::dv_in(config.clone());
        let diagnostics = convert::diags_out(crate::protocol::guarded_sync("PrepareProviderConfig", || self.core.validate_provider_config(&dv), |d| d));
        reply!(pb::prepare_provider_config::Response { prepared_config: config, diagnostics })
    }

    async fn validate_resource_type_config(
        &self,
        req: tonic::Request<pb::validate_resource_type_config::Request>,
    ) -> Result<tonic::Response<pb::validate_resource_type_config::Response>, tonic::Status> {
        let r = req.into_inner();
        let config = convert::dv_in(r.config);
        let diags = crate::protocol::guarded_sync("ValidateResourceTypeConfig", || self.core.validate_resource_config(&r.type_name, &config), |d| d);
        reply!(pb::validate_resource_type_config::Response { diagnostics: convert::diags_out(diags) })
    }

    async fn configure(
        &self,
        req: tonic::Request<pb::configure::Request>,
    ) -> Result<tonic::Response<pb::configure::Response>, tonic::Status> {
        let config = convert::dv_in(req.into_inner().config);
        let diags = crate::protocol::guarded("Configure", self.core.configure(&config), |d| d).await;
        reply!(pb::configure::Response { diagnostics: convert::diags_out(diags) })
    }

    async fn stop(
        &self,
        _req: tonic::Request<pb::stop::Request>,
    ) -> Result<tonic::Response<pb::stop::Response>, tonic::Status> {
        self.core.stop();
        reply!(pb::stop::Response::default())
    }
}
