//! The two WorkSpaces operations behind image sharing.

use super::AwsError;

/// Page size for DescribeWorkspaceImagePermissions; 25 is the API maximum.
const PAGE_SIZE: i32 = 25;

/// Error codes by which WorkSpaces says the image does not exist.
const NOT_FOUND: &str = "ResourceNotFoundException";

/// What DescribeWorkspaceImages says of one image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageInfo {
    pub image_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub owner_account_id: Option<String>,
    /// AVAILABLE, PENDING or ERROR.
    pub state: Option<String>,
    /// DEFAULT, or DEDICATED for BYOL images.
    pub required_tenancy: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Workspaces {
    client: aws_sdk_workspaces::Client,
}

impl Workspaces {
    pub fn new(client: aws_sdk_workspaces::Client) -> Workspaces {
        Workspaces { client }
    }

    /// The Region the client calls, for messages.
    pub fn region(&self) -> String {
        self.client
            .config()
            .region()
            .map_or_else(|| "(unknown)".to_string(), |r| r.to_string())
    }

    /// Whether the image exists in this account and Region
    /// (DescribeWorkspaceImages filtered to its ID).
    pub async fn image_exists(&self, image_id: &str) -> Result<bool, AwsError> {
        Ok(self.describe_image(image_id).await?.is_some())
    }

    /// The image as DescribeWorkspaceImages reports it; `None` when there is
    /// no such image in this account and Region.
    pub async fn describe_image(&self, image_id: &str) -> Result<Option<ImageInfo>, AwsError> {
        let out = self
            .client
            .describe_workspace_images()
            .image_ids(image_id)
            .send()
            .await;
        let page = match out {
            Ok(page) => page,
            Err(e) => {
                let e = AwsError::from_sdk("DescribeWorkspaceImages", e);
                return if e.is_code(NOT_FOUND) {
                    Ok(None)
                } else {
                    Err(e)
                };
            }
        };
        Ok(page
            .images()
            .iter()
            .find(|i| i.image_id() == Some(image_id))
            .map(|i| ImageInfo {
                image_id: image_id.to_string(),
                name: i.name().map(str::to_string),
                description: i.description().map(str::to_string),
                owner_account_id: i.owner_account_id().map(str::to_string),
                state: i.state().map(|s| s.as_str().to_string()),
                required_tenancy: i.required_tenancy().map(|t| t.as_str().to_string()),
            }))
    }

    /// Lets `account` copy the image (UpdateWorkspaceImagePermission with
    /// AllowCopyImage=true).
    pub async fn grant(&self, image_id: &str, account: &str) -> Result<(), AwsError> {
        self.set_permission(image_id, account, true).await
    }

    /// Takes the permission away again (AllowCopyImage=false).
    pub async fn revoke(&self, image_id: &str, account: &str) -> Result<(), AwsError> {
        self.set_permission(image_id, account, false).await
    }

    async fn set_permission(
        &self,
        image_id: &str,
        account: &str,
        allow: bool,
    ) -> Result<(), AwsError> {
        self.client
            .update_workspace_image_permission()
            .image_id(image_id)
            .shared_account_id(account)
            .allow_copy_image(allow)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::from_sdk("UpdateWorkspaceImagePermission", e))
    }

    /// Every account the image is shared with, walking all pages; `None`
    /// when the image does not exist.
    pub async fn shared_accounts(&self, image_id: &str) -> Result<Option<Vec<String>>, AwsError> {
        let mut accounts = Vec::new();
        let mut token: Option<String> = None;
        let mut seen_tokens = std::collections::HashSet::new();
        loop {
            let page = self
                .client
                .describe_workspace_image_permissions()
                .image_id(image_id)
                .max_results(PAGE_SIZE)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DescribeWorkspaceImagePermissions", e));
            let page = match page {
                Ok(p) => p,
                Err(e) if e.is_code(NOT_FOUND) => return Ok(None),
                Err(e) => return Err(e),
            };
            accounts.extend(
                page.image_permissions()
                    .iter()
                    .filter_map(|p| p.shared_account_id().map(str::to_string)),
            );
            match page.next_token() {
                Some(t) if !t.is_empty() => {
                    // A service that hands back a token it already gave would
                    // otherwise keep us paging forever.
                    if !seen_tokens.insert(t.to_string()) {
                        return Err(AwsError::protocol(
                            "DescribeWorkspaceImagePermissions",
                            format!("the service returned pagination token {t:?} twice"),
                        ));
                    }
                    token = Some(t.to_string());
                }
                _ => return Ok(Some(accounts)),
            }
        }
    }

    pub fn is_not_found(err: &AwsError) -> bool {
        err.is_code(NOT_FOUND)
    }
}
