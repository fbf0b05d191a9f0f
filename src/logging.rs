//! Logs on stderr. Under Terraform each line is one JSON object in the form
//! go-plugin reads (hclog's: `@level`, `@message`, `@timestamp`, `@module`,
//! then the fields), so Terraform re-emits it at its own level and filters
//! it with TF_LOG_PROVIDER; a plain text line would land at DEBUG whatever
//! it said. `--debug` mode, read by a person, gets plain text.
//!
//! The level comes from TF_LOG_PROVIDER_WORKSPACES, then TF_LOG_PROVIDER,
//! then TF_LOG, as in HashiCorp's SDKs; a value that is not a level means
//! TRACE, as it does for Terraform itself.

use serde_json::{Map, Value as Json};
use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The environment variables that set the level, first found wins.
pub const LEVEL_ENV: [&str; 3] = ["TF_LOG_PROVIDER_WORKSPACES", "TF_LOG_PROVIDER", "TF_LOG"];

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// hclog JSON, for go-plugin (Terraform started us).
    Json,
    /// Human-readable lines (`--debug`).
    Text,
}

/// The level named by the environment, as a level filter's name.
pub fn level_from(env: impl Fn(&str) -> Option<String>) -> &'static str {
    let Some(value) = LEVEL_ENV
        .iter()
        .find_map(|k| env(k).filter(|v| !v.trim().is_empty()))
    else {
        return "warn";
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "trace" => "trace",
        "debug" => "debug",
        "info" => "info",
        "warn" => "warn",
        "error" => "error",
        "off" => "off",
        // TF_LOG=1, TF_LOG=JSON and the like: Terraform logs everything.
        _ => "trace",
    }
}

pub fn init(format: Format) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let level: LevelFilter = level_from(|k| std::env::var(k).ok())
        .parse()
        .unwrap_or(LevelFilter::WARN);
    // Plain target prefixes, not EnvFilter: that one compiles regular
    // expressions at every start, and start-up is paid on every command.
    let filter = ["h2", "hyper", "rustls"]
        .into_iter()
        .fold(Targets::new().with_default(level), |f, target| {
            f.with_target(target, LevelFilter::WARN.min(level))
        });
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        // Once Terraform is gone stderr is a broken pipe; the default would
        // report that with eprintln!, which panics there.
        .log_internal_errors(false);
    let registry = tracing_subscriber::registry();
    let _ = match format {
        Format::Json => registry
            .with(layer.event_format(HclogJson).with_filter(filter))
            .try_init(),
        Format::Text => registry
            .with(layer.with_target(false).with_filter(filter))
            .try_init(),
    };
}

/// One event as one hclog JSON line.
pub struct HclogJson;

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// Our own lines are module `workspaces`; the AWS SDK's and other crates'
/// are named after the crate, under it.
fn module(target: &str) -> String {
    let krate = target.split("::").next().unwrap_or(target);
    match krate {
        "tfws" | "terraform_provider_workspaces" => "workspaces".to_string(),
        other => format!("workspaces.{other}"),
    }
}

struct Fields<'a>(&'a mut Map<String, Json>);

impl Fields<'_> {
    fn put(&mut self, field: &Field, value: Json) {
        let key = match field.name() {
            "message" => "@message",
            name => name,
        };
        self.0.insert(key.to_string(), value);
    }
}

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Json::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Json::String(value.to_string()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Json::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Json::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Json::Bool(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Json::from(value));
    }
}

impl<S, N> FormatEvent<S, N> for HclogJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut line = Map::new();
        line.insert("@level".into(), level_name(meta.level()).into());
        // go-plugin parses exactly "2006-01-02T15:04:05.000000Z07:00";
        // SystemTime writes UTC with microseconds and a Z.
        let mut at = String::new();
        SystemTime.format_time(&mut Writer::new(&mut at))?;
        line.insert("@timestamp".into(), at.into());
        line.insert("@module".into(), module(meta.target()).into());
        event.record(&mut Fields(&mut line));
        if let Some(scope) = ctx.event_scope() {
            let spans: Vec<&str> = scope.from_root().map(|s| s.name()).collect();
            if !spans.is_empty() {
                line.insert("@span".into(), spans.join(":").into());
            }
        }
        line.entry("@message").or_insert_with(|| "".into());
        writeln!(writer, "{}", Json::Object(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(vars: &[(&str, &str)]) -> &'static str {
        level_from(|k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn the_most_specific_variable_sets_the_level() {
        assert_eq!(level(&[]), "warn");
        assert_eq!(level(&[("TF_LOG", "DEBUG")]), "debug");
        assert_eq!(
            level(&[("TF_LOG", "DEBUG"), ("TF_LOG_PROVIDER", "info")]),
            "info"
        );
        assert_eq!(
            level(&[
                ("TF_LOG", "DEBUG"),
                ("TF_LOG_PROVIDER", "info"),
                ("TF_LOG_PROVIDER_WORKSPACES", "error")
            ]),
            "error"
        );
        assert_eq!(
            level(&[("TF_LOG_PROVIDER", ""), ("TF_LOG", "warn")]),
            "warn"
        );
    }

    #[test]
    fn a_value_that_is_not_a_level_means_trace_as_in_terraform() {
        assert_eq!(level(&[("TF_LOG", "1")]), "trace");
        assert_eq!(level(&[("TF_LOG", "JSON")]), "trace");
    }

    #[test]
    fn lines_are_hclog_json_with_a_timestamp_go_plugin_parses() {
        use std::sync::{Arc, Mutex};
        use tracing_subscriber::fmt::MakeWriter;

        #[derive(Clone, Default)]
        struct Buf(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        impl<'a> MakeWriter<'a> for Buf {
            type Writer = Buf;
            fn make_writer(&'a self) -> Buf {
                self.clone()
            }
        }

        let buf = Buf::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(buf.clone())
            .with_max_level(Level::TRACE)
            .event_format(HclogJson)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("apply");
            let _in = span.enter();
            tracing::info!(image_id = "wsi-123456789", attempt = 2u64, "granted \"x\"");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let line: Json = serde_json::from_str(text.trim_end()).expect("one JSON line");
        assert_eq!(line["@level"], "info");
        assert_eq!(line["@message"], "granted \"x\"");
        assert_eq!(line["@module"], "workspaces");
        assert_eq!(line["@span"], "apply");
        assert_eq!(line["image_id"], "wsi-123456789");
        assert_eq!(line["attempt"], 2);
        // 2006-01-02T15:04:05.000000Z: 27 characters, six fraction digits.
        let at = line["@timestamp"].as_str().unwrap();
        assert_eq!(at.len(), 27, "{at}");
        assert_eq!(&at[19..20], ".");
        assert!(at[20..26].bytes().all(|b| b.is_ascii_digit()), "{at}");
        assert!(at.ends_with('Z'), "{at}");
    }
}
