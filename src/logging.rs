//! Logs go to stderr, which go-plugin forwards into Terraform's log
//! (visible with TF_LOG=DEBUG or TF_LOG_PROVIDER). The level comes from
//! TF_LOG_PROVIDER_WORKSPACES, then TF_LOG_PROVIDER, then TF_LOG.

pub fn init() {
    let level = ["TF_LOG_PROVIDER_WORKSPACES", "TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .map(|v| match v.to_ascii_lowercase().as_str() {
            "trace" => "trace",
            "debug" => "debug",
            "info" => "info",
            "error" => "error",
            "off" => "off",
            _ => "warn",
        })
        .unwrap_or("warn");
    let filter =
        tracing_subscriber::EnvFilter::new(format!("{level},h2=warn,hyper=warn,rustls=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        // Once Terraform is gone stderr is a broken pipe; the default would
        // report that with eprintln!, which panics there.
        .log_internal_errors(false)
        .try_init();
}
