//! go-plugin's side services: GRPCController (Terraform's "we are done"),
//! GRPCStdio and GRPCBroker, which a Terraform provider never uses but whose
//! clients go-plugin starts anyway.

use crate::proto::plugin as pb;
use crate::protocol::BoxStream;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

pub struct Controller {
    shutdown: watch::Sender<bool>,
    /// `--debug`: Terraform does not own the process, so its Shutdown is
    /// ignored and the provider serves the next run too.
    keep_serving: bool,
}

#[tonic::async_trait]
impl pb::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _req: tonic::Request<pb::Empty>,
    ) -> Result<tonic::Response<pb::Empty>, tonic::Status> {
        if self.keep_serving {
            tracing::info!("Terraform is done; still serving (--debug), Ctrl-C to stop");
        } else {
            tracing::debug!("shutdown requested");
            let _ = self.shutdown.send(true);
        }
        Ok(tonic::Response::new(pb::Empty {}))
    }
}

pub fn controller_service(
    shutdown: watch::Sender<bool>,
    keep_serving: bool,
) -> pb::grpc_controller_server::GrpcControllerServer<Controller> {
    pb::grpc_controller_server::GrpcControllerServer::new(Controller {
        shutdown,
        keep_serving,
    })
}

/// A stream that sends nothing and ends when the plugin shuts down.
fn quiet_until_shutdown<T: Send + 'static>(mut shutdown: watch::Receiver<bool>) -> BoxStream<T> {
    let (tx, rx) = mpsc::channel::<Result<T, tonic::Status>>(1);
    tokio::spawn(async move {
        let _ = shutdown.wait_for(|s| *s).await;
        drop(tx);
    });
    Box::pin(ReceiverStream::new(rx))
}

pub struct Stdio {
    shutdown: watch::Receiver<bool>,
}

#[tonic::async_trait]
impl pb::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = BoxStream<pb::StdioData>;

    async fn stream_stdio(
        &self,
        _req: tonic::Request<()>,
    ) -> Result<tonic::Response<Self::StreamStdioStream>, tonic::Status> {
        // Our logs go to stderr, which go-plugin already collects.
        Ok(tonic::Response::new(quiet_until_shutdown(
            self.shutdown.clone(),
        )))
    }
}

pub fn stdio_service(
    shutdown: watch::Receiver<bool>,
) -> pb::grpc_stdio_server::GrpcStdioServer<Stdio> {
    pb::grpc_stdio_server::GrpcStdioServer::new(Stdio { shutdown })
}

pub struct Broker {
    shutdown: watch::Receiver<bool>,
}

#[tonic::async_trait]
impl pb::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = BoxStream<pb::ConnInfo>;

    async fn start_stream(
        &self,
        req: tonic::Request<tonic::Streaming<pb::ConnInfo>>,
    ) -> Result<tonic::Response<Self::StartStreamStream>, tonic::Status> {
        let mut inbound = req.into_inner();
        // Nothing is brokered: drain what the client sends so its side
        // never blocks, and answer nothing.
        tokio::spawn(async move { while let Some(Ok(_)) = inbound.next().await {} });
        Ok(tonic::Response::new(quiet_until_shutdown(
            self.shutdown.clone(),
        )))
    }
}

pub fn broker_service(
    shutdown: watch::Receiver<bool>,
) -> pb::grpc_broker_server::GrpcBrokerServer<Broker> {
    pb::grpc_broker_server::GrpcBrokerServer::new(Broker { shutdown })
}
