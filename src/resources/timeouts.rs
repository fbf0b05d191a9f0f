//! The `timeouts { create, update, delete }` block, as terraform-provider-aws
//! resources have it: Go duration strings (`"30s"`, `"5m"`, `"1h30m"`) that
//! bound how long an operation, its retries and its consistency wait take.

use crate::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::schema::{Attribute, Block, NestedBlock, Nesting};
use crate::value::{Type, Value};
use std::time::Duration;

pub const BLOCK: &str = "timeouts";

/// Used when the configuration sets no timeout for an operation.
pub const DEFAULT: Duration = Duration::from_secs(5 * 60);

/// The bound on operations that have no `timeouts` argument: refreshes,
/// data source reads and the checks made while planning. A stalled
/// endpoint ends them with an error instead of holding the run.
pub const READ: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// The block for a resource offering timeouts for `operations`.
pub fn block(operations: &[Operation]) -> NestedBlock {
    NestedBlock {
        type_name: BLOCK,
        nesting: Nesting::Single,
        min_items: 0,
        max_items: 0,
        block: Block {
            description: "How long each operation may take, including retries and the wait for \
                          WorkSpaces to show the change (it is eventually consistent). Go duration \
                          strings such as `\"30s\"`, `\"10m\"` or `\"1h\"`; each defaults to 5 minutes.",
            attributes: operations
                .iter()
                .map(|op| {
                    Attribute::optional(
                        op.name(),
                        Type::String,
                        match op {
                            Operation::Create => "Time limit for creating (granting). Default `5m`.",
                            Operation::Update => "Time limit for updating in place. Default `5m`.",
                            Operation::Delete => "Time limit for deleting (revoking). Default `5m`.",
                        },
                    )
                })
                .collect(),
            ..Block::default()
        },
    }
}

/// Checks every known duration in `config`'s timeouts block.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let Some(Value::Object(attrs)) = config.attr(BLOCK) else {
        return diags;
    };
    for (name, v) in attrs {
        if let Value::String(text) = v {
            if let Err(why) = parse_duration(text) {
                diags.push(
                    Diagnostic::error("Invalid timeout", why).at(AttrPath::root(BLOCK).attr(name)),
                );
            }
        }
    }
    diags
}

/// The time limit for `op` in a planned or prior value (invalid or unset
/// durations fall back to the default; validation has reported them).
pub fn get(value: &Value, op: Operation) -> Duration {
    value
        .attr(BLOCK)
        .and_then(|t| t.attr(op.name()))
        .and_then(Value::as_str)
        .and_then(|s| parse_duration(s).ok())
        .unwrap_or(DEFAULT)
}

/// A timeout: a Go duration (`"30s"`, `"10m"`, `"1h30m"`) more than zero
/// and at most a year: no operation can finish in no time.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = crate::duration::parse_go(text)?;
    if d.is_zero() || d > Duration::from_secs(366 * 24 * 3600) {
        return Err(format!(
            "{text:?} is out of range: a timeout must be more than zero and at most a year."
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
    }

    #[test]
    fn malformed_or_empty_durations_are_refused() {
        for bad in ["", "5", "m", "5 m", "-5m", "5x", "0s", "1..5s", "9999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn validation_points_at_the_offending_timeout() {
        let config = Value::object([(
            BLOCK,
            Value::object([
                ("create", Value::string("5 minutes")),
                ("delete", Value::string("2m")),
            ]),
        )]);
        let paths: Vec<String> = validate(&config)
            .iter()
            .filter_map(|d| d.attribute.as_ref().map(|p| p.to_string()))
            .collect();
        assert_eq!(paths, vec!["timeouts.create"]);
    }

    #[test]
    fn unset_timeouts_take_the_default() {
        assert_eq!(
            get(&Value::object([(BLOCK, Value::Null)]), Operation::Create),
            DEFAULT
        );
        let v = Value::object([(BLOCK, Value::object([("delete", Value::string("1m"))]))]);
        assert_eq!(get(&v, Operation::Delete), Duration::from_secs(60));
        assert_eq!(get(&v, Operation::Create), DEFAULT);
    }
}
