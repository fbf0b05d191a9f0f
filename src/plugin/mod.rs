//! The plugin process: go-plugin handshake, TLS, the gRPC server and the
//! side services go-plugin expects next to the provider service.

pub mod cli;
mod controller;
pub mod handshake;
mod listener;
pub mod tls;

use crate::protocol::{self, Adapter};
use crate::provider::WorkspacesProvider;
use handshake::{Handshake, HandshakeError};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long in-flight calls get to finish once Terraform asks us to stop;
/// go-plugin kills the process after two seconds anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

/// How often we look for Terraform having gone without a word (killed, or
/// crashed): then we are re-parented, and nobody will ever shut us down.
const PARENT_POLL: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("listening on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    #[error("writing the handshake line: {0}")]
    Stdout(std::io::Error),
    #[error("gRPC server: {0}")]
    Serve(#[from] tonic::transport::Error),
}

/// Negotiates with the process environment, then serves until Terraform
/// shuts us down.
pub async fn run() -> Result<(), PluginError> {
    let handshake = handshake::negotiate(|k| std::env::var(k).ok())?;
    serve(handshake, None).await
}

/// `--debug`: serves without Terraform starting us, plaintext on loopback,
/// announced as the TF_REATTACH_PROVIDERS value for `address`, until Ctrl-C.
pub async fn run_debug(address: String, protocol_version: u32) -> Result<(), PluginError> {
    let handshake = Handshake {
        protocol_version,
        port_range: None,
        client_cert_pem: None,
    };
    serve(handshake, Some(address)).await
}

/// Serves one plugin process; `debug` holds the reattach address in
/// `--debug` mode.
async fn serve(handshake: Handshake, debug: Option<String>) -> Result<(), PluginError> {
    let listener = listener::bind(handshake.port_range)
        .await
        .map_err(PluginError::Listen)?;
    let addr = listener.local_addr().map_err(PluginError::Listen)?;
    let tls = handshake
        .client_cert_pem
        .as_deref()
        .map(tls::server_tls)
        .transpose()?;
    let line = handshake::handshake_line(
        handshake.protocol_version,
        addr,
        tls.as_ref().map(|t| t.cert_der.as_slice()),
    );

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let core = Arc::new(WorkspacesProvider::new());
    exit_when_orphaned(shutdown_tx.clone(), core.clone());
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let router = tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(controller::controller_service(
            shutdown_tx.clone(),
            debug.is_some(),
        ))
        .add_service(controller::stdio_service(shutdown_rx.clone()))
        .add_service(controller::broker_service(shutdown_rx.clone()));
    let adapter = Adapter::new(core);
    let router = match handshake.protocol_version {
        5 => router.add_service(protocol::v5::service(adapter)),
        _ => router.add_service(protocol::v6::service(adapter)),
    };

    tracing::info!(
        protocol_version = handshake.protocol_version,
        tls = tls.is_some(),
        %addr,
        "serving the Terraform plugin protocol"
    );
    let incoming = listener::incoming(listener, tls.map(|t| t.config), shutdown_rx.clone());

    let mut stdout = std::io::stdout().lock();
    match &debug {
        // Terraform reads this one line, then connects.
        None => writeln!(stdout, "{line}"),
        Some(address) => {
            stop_on_interrupt(shutdown_tx.clone());
            writeln!(
                stdout,
                "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment \
                 variable with the following:\n\n\t{}\n",
                cli::reattach_line(address, handshake.protocol_version, std::process::id(), addr)
            )
        }
    }
    .and_then(|_| stdout.flush())
    .map_err(PluginError::Stdout)?;
    drop(stdout);

    let mut stop = shutdown_rx.clone();
    let graceful = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    let server = router.serve_with_incoming_shutdown(incoming, graceful);
    let mut stop = shutdown_rx;
    tokio::select! {
        res = server => res?,
        // Long-lived streams must not hold the process past the grace period.
        _ = async {
            let _ = stop.wait_for(|s| *s).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => {}
    }
    Ok(())
}

/// Shuts down when our parent process goes away: without this a provider
/// whose Terraform was killed would serve an empty port forever.
fn exit_when_orphaned(shutdown: watch::Sender<bool>, core: Arc<WorkspacesProvider>) {
    let parent = std::os::unix::process::parent_id();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(PARENT_POLL).await;
            if std::os::unix::process::parent_id() != parent {
                core.stop();
                let _ = shutdown.send(true);
                // Likely to a broken pipe: nobody reads our stderr now.
                tracing::warn!(parent, "Terraform (our parent process) is gone; shut down");
                return;
            }
        }
    });
}

/// `--debug`: Ctrl-C (or SIGTERM) is how a person stops the provider.
fn stop_on_interrupt(shutdown: watch::Sender<bool>) {
    tokio::spawn(async move {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
        }
        tracing::info!("interrupted; shutting down");
        let _ = shutdown.send(true);
    });
}

/// Terraform forwards Ctrl-C to its whole process group and then stops us
/// itself (StopProvider, then Shutdown), so like every go-plugin server we
/// do not die on SIGINT; a second interrupt is logged and ignored too.
pub fn ignore_interrupts() {
    tokio::spawn(async {
        while tokio::signal::ctrl_c().await.is_ok() {
            tracing::debug!("interrupt received; waiting for Terraform to stop the provider");
        }
    });
}
