//! tfplugin6: Terraform 1.0 and later, and OpenTofu.

use super::Adapter;
use crate::proto::tfplugin6 as pb;

mod convert {
    conversions!(tfplugin6);
}

pub fn service(adapter: Adapter) -> pb::provider_server::ProviderServer<Adapter> {
    pb::provider_server::ProviderServer::new(adapter)
        .max_decoding_message_size(super::MAX_MESSAGE_BYTES)
        .max_encoding_message_size(super::MAX_MESSAGE_BYTES)
}

provider_service! {
    unsupported {
        validate_state_store_config(validate_state_store) => "State stores";
        configure_state_store(configure_state_store) => "State stores";
        lock_state(lock_state) => "State stores";
        unlock_state(unlock_state) => "State stores";
        get_states(get_states) => "State stores";
        delete_state(delete_state) => "State stores";
    }

    async fn validate_data_resource_config(
        &self,
        req: tonic::Request<pb::validate_data_resource_config::Request>,
    ) -> Result<tonic::Response<pb::validate_data_resource_config::Response>, tonic::Status> {
        let r = req.into_inner();
        let config = convert::dv_in(r.config);
        let diags = crate::protocol::guarded_sync("ValidateDataResourceConfig", || self.core.validate_data_source_config(&r.type_name, &config), |d| d);
        reply!(pb::validate_data_resource_config::Response { diagnostics: convert::diags_out(diags) })
    }

    async fn get_provider_schema(
        &self,
        _req: tonic::Request<pb::get_provider_schema::Request>,
    ) -> Result<tonic::Response<pb::get_provider_schema::Response>, tonic::Status> {
        reply!(convert::schemas_out(&self.core))
    }

    async fn validate_provider_config(
        &self,
        req: tonic::Request<pb::validate_provider_config::Request>,
    ) -> Result<tonic::Response<pb::validate_provider_config::Response>, tonic::Status> {
        let config = convert::dv_in(req.into_inner().config);
        reply!(pb::validate_provider_config::Response {
            diagnostics: convert::diags_out(crate::protocol::guarded_sync("ValidateProviderConfig", || self.core.validate_provider_config(&config), |d| d)),
        })
    }

    async fn validate_resource_config(
        &self,
        req: tonic::Request<pb::validate_resource_config::Request>,
    ) -> Result<tonic::Response<pb::validate_resource_config::Response>, tonic::Status> {
        let r = req.into_inner();
        let config = convert::dv_in(r.config);
        let diags = crate::protocol::guarded_sync("ValidateResourceConfig", || self.core.validate_resource_config(&r.type_name, &config), |d| d);
        reply!(pb::validate_resource_config::Response { diagnostics: convert::diags_out(diags) })
    }

    async fn configure_provider(
        &self,
        req: tonic::Request<pb::configure_provider::Request>,
    ) -> Result<tonic::Response<pb::configure_provider::Response>, tonic::Status> {
        let config = convert::dv_in(req.into_inner().config);
        reply!(pb::configure_provider::Response {
            diagnostics: convert::diags_out(crate::protocol::guarded("ConfigureProvider", self.core.configure(&config), |d| d).await),
        })
    }

    async fn stop_provider(
        &self,
        _req: tonic::Request<pb::stop_provider::Request>,
    ) -> Result<tonic::Response<pb::stop_provider::Response>, tonic::Status> {
        self.core.stop();
        reply!(pb::stop_provider::Response::default())
    }

    type ReadStateBytesStream = super::BoxStream<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        _req: tonic::Request<pb::read_state_bytes::Request>,
    ) -> Result<tonic::Response<Self::ReadStateBytesStream>, tonic::Status> {
        let chunk = pb::read_state_bytes::Response {
            diagnostics: convert::unsupported("State stores"),
            ..Default::default()
        };
        reply!(Box::pin(tokio_stream::once(Ok(chunk))) as Self::ReadStateBytesStream)
    }

    async fn write_state_bytes(
        &self,
        _req: tonic::Request<tonic::Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Result<tonic::Response<pb::write_state_bytes::Response>, tonic::Status> {
        reply!(pb::write_state_bytes::Response { diagnostics: convert::unsupported("State stores") })
    }

}
