//! Turns the provider block into a configured WorkSpaces client.
//!
//! Credentials and region come from the standard AWS chain (environment,
//! shared config and credentials files, SSO, container and instance
//! credentials), with provider arguments taking precedence, as in
//! terraform-provider-aws. The region is looked up without the instance
//! metadata service, so a machine with no region configured gets a clear
//! error at once instead of a time-out.

use super::Workspaces;
use aws_config::meta::region::RegionProviderChain;
use aws_config::BehaviorVersion;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_types::region::Region;

/// What the provider block says, after validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub workspaces_endpoint: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "no AWS Region is configured: set `region` in the provider block, the AWS_REGION \
         environment variable, or `region` in the shared config file's profile"
    )]
    NoRegion,
    #[error(
        "No valid credential sources found: {0}\n\nSet AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a \
         profile with `profile` or AWS_PROFILE, or run where container or instance credentials are available."
    )]
    NoCredentials(String),
}

pub async fn connect(settings: &ClientSettings) -> Result<Workspaces, ConnectError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    let region = match &settings.region {
        Some(r) => Some(Region::new(r.clone())),
        None => {
            let mut profile_region = aws_config::profile::ProfileFileRegionProvider::builder();
            if let Some(profile) = &settings.profile {
                profile_region = profile_region.profile_name(profile);
            }
            RegionProviderChain::first_try(
                aws_config::environment::EnvironmentVariableRegionProvider::new(),
            )
            .or_else(profile_region.build())
            .region()
            .await
        }
    };
    let region = region.ok_or(ConnectError::NoRegion)?;
    let shared = loader.region(region).load().await;
    // Resolve credentials now, as terraform-provider-aws does, so a missing
    // or broken credential source is one clear error at configuration
    // rather than a failure inside every resource operation.
    if let Some(provider) = shared.credentials_provider() {
        use aws_credential_types::provider::ProvideCredentials;
        provider
            .provide_credentials()
            .await
            .map_err(|e| ConnectError::NoCredentials(DisplayErrorContext(&e).to_string()))?;
    }
    let mut builder = aws_sdk_workspaces::config::Builder::from(&shared);
    if let Some(url) = &settings.workspaces_endpoint {
        builder = builder.endpoint_url(url);
    }
    Ok(Workspaces::new(aws_sdk_workspaces::Client::from_conf(
        builder.build(),
    )))
}
