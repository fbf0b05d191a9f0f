//! The provider block: `region`, `profile`, `endpoints { workspaces }`.

use crate::aws::ClientSettings;
use crate::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::resources::{SharingGuard, DEFAULT_CONCURRENCY};
use crate::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::value::{Type, Value};

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Shares Amazon WorkSpaces custom images across AWS accounts.",
            attributes: vec![
                Attribute::optional(
                    "region",
                    Type::String,
                    "AWS Region of the images, e.g. `us-east-1`. Defaults to `AWS_REGION`, `AWS_DEFAULT_REGION` \
                     or the profile's region. Image sharing is per Region.",
                ),
                Attribute::optional(
                    "profile",
                    Type::String,
                    "Named profile from the shared config and credentials files. Defaults to `AWS_PROFILE`.",
                ),
            ],
            block_types: vec![NestedBlock {
                type_name: "endpoints",
                nesting: Nesting::List,
                min_items: 0,
                max_items: 1,
                block: Block {
                    description: "Custom service endpoints.",
                    attributes: vec![Attribute::optional(
                        "workspaces",
                        Type::String,
                        "Endpoint URL for the WorkSpaces API. Defaults to `AWS_ENDPOINT_URL_WORKSPACES`, \
                         `AWS_ENDPOINT_URL` or the Region's public endpoint.",
                    )],
                    ..Block::default()
                },
            }],
        },
    }
}

/// Everything the provider block sets: how to reach AWS, and the settings
/// resources work with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub client: ClientSettings,
    pub guard: SharingGuard,
    pub concurrency: usize,
}

/// Reads the provider block. `Ok(None)` when some value is not known yet
/// (it depends on a resource), in which case configuration waits.
pub fn parse(config: &Value) -> Result<Option<Settings>, Diagnostics> {
    if !config.is_wholly_known() {
        return Ok(None);
    }
    let diags = validate(config);
    if diags.has_errors() {
        return Err(diags);
    }
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    Ok(Some(Settings {
        client: ClientSettings {
            region: text(config.attr("region")),
            profile: text(config.attr("profile")),
            workspaces_endpoint: text(endpoint(config)),
        },
        guard: SharingGuard::default(),
        concurrency: DEFAULT_CONCURRENCY,
    }))
}

fn endpoint(config: &Value) -> Option<&Value> {
    match config.attr("endpoints") {
        Some(Value::List(blocks)) => blocks.first().and_then(|b| b.attr("workspaces")),
        _ => None,
    }
}

/// Checks what is known of the provider block; runs before any AWS call.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(Value::String(region)) = config.attr("region") {
        if !looks_like_region(region) {
            diags.push(
                Diagnostic::error(
                    "Invalid AWS Region",
                    format!("{region:?} is not an AWS Region name; expected something like \"us-east-1\"."),
                )
                .at(AttrPath::root("region")),
            );
        }
    }
    if let Some(Value::String(url)) = endpoint(config) {
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.len() <= "https://".len()
        {
            diags.push(
                Diagnostic::error(
                    "Invalid endpoint URL",
                    format!("{url:?} is not an http:// or https:// URL."),
                )
                .at(AttrPath::root("endpoints").index(0).attr("workspaces")),
            );
        }
    }
    diags
}

/// `us-east-1`, `cn-northwest-1`, `us-gov-west-1`, `eu-isoe-west-1`.
fn looks_like_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(region: Value, endpoint: Option<&str>) -> Value {
        let endpoints = match endpoint {
            Some(url) => Value::List(vec![Value::object([("workspaces", Value::string(url))])]),
            None => Value::List(vec![]),
        };
        Value::object([
            ("region", region),
            ("profile", Value::Null),
            ("endpoints", endpoints),
        ])
    }

    #[test]
    fn reads_region_and_endpoint() {
        let s = parse(&block(
            Value::string("eu-west-1"),
            Some("http://127.0.0.1:5000"),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(s.client.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            s.client.workspaces_endpoint.as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(s.client.profile, None);
    }

    #[test]
    fn unknown_values_defer_configuration() {
        assert_eq!(parse(&block(Value::Unknown, None)).unwrap(), None);
    }

    #[test]
    fn bad_region_and_endpoint_point_at_their_attributes() {
        let diags = parse(&block(Value::string("Frankfurt"), Some("127.0.0.1:5000"))).unwrap_err();
        let paths: Vec<String> = diags
            .iter()
            .filter_map(|d| d.attribute.as_ref())
            .map(|p| p.to_string())
            .collect();
        assert_eq!(paths, vec!["region", "endpoints[0].workspaces"]);
    }

    #[test]
    fn region_names_of_all_partitions_are_accepted() {
        for r in [
            "us-east-1",
            "cn-northwest-1",
            "us-gov-west-1",
            "ap-southeast-5",
        ] {
            assert!(looks_like_region(r), "{r}");
        }
        for r in ["us-east", "useast1", "US-EAST-1", "us--1"] {
            assert!(!looks_like_region(r), "{r}");
        }
    }
}
