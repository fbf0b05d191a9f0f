//! `workspaces_image_permissions`: who may copy one WorkSpaces image, and
//! what the image is, in the provider's Region.
//!
//! - validate: `image_id` must look like a WorkSpaces image ID;
//! - read: DescribeWorkspaceImages (the image must exist, else an error on
//!   `image_id`), then DescribeWorkspaceImagePermissions, all pages.

use super::DataSource;
use crate::aws::{AwsError, ImageInfo};
use crate::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::resources::ids::check_image_id;
use crate::resources::Context;
use crate::schema::{Attribute, Block, Schema};
use crate::value::{Type, Value};
use std::collections::BTreeSet;

pub const TYPE_NAME: &str = "workspaces_image_permissions";

const ID: &str = "id";
const IMAGE_ID: &str = "image_id";
const SHARED_ACCOUNT_IDS: &str = "shared_account_ids";
const NAME: &str = "name";
const DESCRIPTION: &str = "description";
const OWNER_ACCOUNT_ID: &str = "owner_account_id";
const STATE: &str = "state";
const REQUIRED_TENANCY: &str = "required_tenancy";

pub struct ImagePermissions;

/// The data source's attributes, typed. Decoded from configuration only
/// `image_id` is set (computed attributes arrive null, here `None`); after
/// a read every attribute AWS reported is set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Model {
    pub image_id: String,
    pub shared_account_ids: Option<BTreeSet<String>>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub owner_account_id: Option<String>,
    pub state: Option<String>,
    pub required_tenancy: Option<String>,
}

/// A string attribute, `None` when null (or unknown, which only a
/// configuration can hold and then only for `image_id`).
fn opt_string(v: &Value, name: &str) -> Option<String> {
    v.attr(name).and_then(Value::as_str).map(str::to_string)
}

fn string_or_null(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, Value::string)
}

impl Model {
    /// `None` while `image_id` is not known (or the value is not an object).
    pub fn from_value(v: &Value) -> Option<Model> {
        let shared_account_ids = v.attr(SHARED_ACCOUNT_IDS).and_then(Value::string_set);
        Some(Model {
            image_id: opt_string(v, IMAGE_ID)?,
            shared_account_ids,
            name: opt_string(v, NAME),
            description: opt_string(v, DESCRIPTION),
            owner_account_id: opt_string(v, OWNER_ACCOUNT_ID),
            state: opt_string(v, STATE),
            required_tenancy: opt_string(v, REQUIRED_TENANCY),
        })
    }

    /// The state object, every schema attribute present; `id` is the image ID.
    pub fn to_value(&self) -> Value {
        let accounts = self.shared_account_ids.as_ref().map_or(Value::Null, |ids| {
            Value::Set(ids.iter().map(Value::string).collect())
        });
        Value::object([
            (ID, Value::string(&self.image_id)),
            (IMAGE_ID, Value::string(&self.image_id)),
            (SHARED_ACCOUNT_IDS, accounts),
            (NAME, string_or_null(&self.name)),
            (DESCRIPTION, string_or_null(&self.description)),
            (OWNER_ACCOUNT_ID, string_or_null(&self.owner_account_id)),
            (STATE, string_or_null(&self.state)),
            (REQUIRED_TENANCY, string_or_null(&self.required_tenancy)),
        ])
    }

    /// What AWS reported of the image and who may copy it.
    pub fn from_aws(image_id: &str, image: ImageInfo, accounts: Vec<String>) -> Model {
        Model {
            image_id: image_id.to_string(),
            // A set: AWS lists each account once, in no promised order.
            shared_account_ids: Some(accounts.into_iter().collect()),
            name: image.name,
            description: image.description,
            owner_account_id: image.owner_account_id,
            state: image.state,
            required_tenancy: image.required_tenancy,
        }
    }
}

fn check(image_id: &str) -> Diagnostics {
    match check_image_id(image_id) {
        Ok(()) => Diagnostics::new(),
        Err(msg) => Diagnostic::error("Invalid WorkSpaces image ID", msg)
            .at(AttrPath::root(IMAGE_ID))
            .into(),
    }
}

/// `what` is the step that failed: the image lookup or the permissions read.
fn aws_failure(what: &str, image_id: &str, err: &AwsError) -> Diagnostics {
    Diagnostic::error(format!("{what} ({image_id})"), err.to_string()).into()
}

fn not_found(image_id: &str, region: &str) -> Diagnostics {
    Diagnostic::error(
        "WorkSpaces image not found",
        format!(
            "There is no image {image_id} in Region {region} of this account. Image permissions can \
             be read only in the Region of the image, by the account that owns it."
        ),
    )
    .at(AttrPath::root(IMAGE_ID))
    .into()
}

#[tonic::async_trait]
impl DataSource for ImagePermissions {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                description: "Reads which AWS accounts may copy a WorkSpaces custom image in the \
                              provider's Region, with the image's name, owner and state. Includes \
                              permissions granted outside Terraform.",
                attributes: vec![
                    Attribute::computed(ID, Type::String, "The image ID, as `image_id`."),
                    Attribute::required(
                        IMAGE_ID,
                        Type::String,
                        "ID of the WorkSpaces image (`wsi-` followed by 9 to 63 lower-case letters and \
                         digits). The image must exist in the provider's Region.",
                    ),
                    Attribute::computed(
                        SHARED_ACCOUNT_IDS,
                        Type::Set(Box::new(Type::String)),
                        "The 12-digit IDs of every AWS account the image is shared with (that may copy \
                         it), however the permissions were granted.",
                    ),
                    Attribute::computed(NAME, Type::String, "The image's name."),
                    Attribute::computed(DESCRIPTION, Type::String, "The image's description."),
                    Attribute::computed(
                        OWNER_ACCOUNT_ID,
                        Type::String,
                        "The ID of the AWS account that owns the image.",
                    ),
                    Attribute::computed(
                        STATE,
                        Type::String,
                        "The image's state: `AVAILABLE`, `PENDING` or `ERROR`.",
                    ),
                    Attribute::computed(
                        REQUIRED_TENANCY,
                        Type::String,
                        "`DEFAULT`, or `DEDICATED` for a bring-your-own-license (BYOL) image.",
                    ),
                ],
                ..Block::default()
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        // An unknown image_id gives no model: it is checked once known.
        Model::from_value(config).map_or_else(Diagnostics::new, |m| check(&m.image_id))
    }

    async fn read(&self, ctx: &Context, config: &Value) -> Result<Value, Diagnostics> {
        let Some(args) = Model::from_value(config) else {
            return Err(Diagnostic::error(
                "reading WorkSpaces Image Permissions: image_id not known",
                "image_id must be known when the data source is read. This is a bug in the provider \
                 or Terraform; please report it.",
            )
            .into());
        };
        let image_id = args.image_id.as_str();
        let diags = check(image_id);
        if diags.has_errors() {
            return Err(diags);
        }
        let aws = &ctx.aws;
        // The image first: DescribeWorkspaceImagePermissions answers an
        // unknown image with an error on AWS but an empty list on some
        // endpoints, so only DescribeWorkspaceImages tells "not found" apart.
        let image = match aws.describe_image(image_id).await {
            Ok(Some(image)) => image,
            Ok(None) => return Err(not_found(image_id, &aws.region())),
            Err(e) => {
                return Err(aws_failure(
                    "looking up the image for WorkSpaces Image Permissions",
                    image_id,
                    &e,
                ))
            }
        };
        let accounts = match aws.shared_accounts(image_id).await {
            Ok(Some(accounts)) => accounts,
            // Deleted between the two calls.
            Ok(None) => return Err(not_found(image_id, &aws.region())),
            Err(e) => {
                return Err(aws_failure(
                    "reading WorkSpaces Image Permissions",
                    image_id,
                    &e,
                ))
            }
        };
        Ok(Model::from_aws(image_id, image, accounts).to_value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGE: &str = "wsi-123456789";

    fn config(image_id: Value) -> Value {
        Value::object([
            (ID, Value::Null),
            (IMAGE_ID, image_id),
            (SHARED_ACCOUNT_IDS, Value::Null),
            (NAME, Value::Null),
            (DESCRIPTION, Value::Null),
            (OWNER_ACCOUNT_ID, Value::Null),
            (STATE, Value::Null),
            (REQUIRED_TENANCY, Value::Null),
        ])
    }

    fn image() -> ImageInfo {
        ImageInfo {
            image_id: IMAGE.to_string(),
            name: Some("golden".to_string()),
            description: None,
            owner_account_id: Some("123456789012".to_string()),
            state: Some("AVAILABLE".to_string()),
            required_tenancy: Some("DEFAULT".to_string()),
        }
    }

    #[test]
    fn configuration_decodes_to_the_image_id_alone() {
        let m = Model::from_value(&config(Value::string(IMAGE))).expect("known image_id");
        assert_eq!(
            m,
            Model {
                image_id: IMAGE.to_string(),
                ..Model::default()
            }
        );
        assert_eq!(Model::from_value(&config(Value::Unknown)), None);
        assert_eq!(Model::from_value(&Value::Null), None);
    }

    #[test]
    fn state_from_aws_has_every_attribute_and_the_id() {
        let accounts = vec!["444455556666".to_string(), "111122223333".to_string()];
        let state = Model::from_aws(IMAGE, image(), accounts).to_value();
        let type_attrs = match ImagePermissions.schema().block.value_type() {
            Type::Object(attrs) => attrs.keys().cloned().collect::<Vec<_>>(),
            other => panic!("not an object type: {other:?}"),
        };
        let Value::Object(attrs) = &state else {
            panic!("not an object: {state:?}")
        };
        assert_eq!(attrs.keys().cloned().collect::<Vec<_>>(), type_attrs);
        assert_eq!(state.attr(ID), Some(&Value::string(IMAGE)));
        assert_eq!(state.attr(IMAGE_ID), Some(&Value::string(IMAGE)));
        assert_eq!(
            state.attr(SHARED_ACCOUNT_IDS),
            Some(&Value::Set(vec![
                Value::string("111122223333"),
                Value::string("444455556666")
            ]))
        );
        assert_eq!(state.attr(NAME), Some(&Value::string("golden")));
        assert_eq!(state.attr(DESCRIPTION), Some(&Value::Null));
        assert_eq!(
            state.attr(OWNER_ACCOUNT_ID),
            Some(&Value::string("123456789012"))
        );
        assert_eq!(state.attr(STATE), Some(&Value::string("AVAILABLE")));
        assert_eq!(
            state.attr(REQUIRED_TENANCY),
            Some(&Value::string("DEFAULT"))
        );
        assert!(
            state.is_wholly_known(),
            "Terraform rejects unknowns in read results"
        );
    }

    #[test]
    fn an_image_shared_with_no_one_has_an_empty_set_not_null() {
        let state = Model::from_aws(IMAGE, image(), Vec::new()).to_value();
        assert_eq!(
            state.attr(SHARED_ACCOUNT_IDS),
            Some(&Value::Set(Vec::new()))
        );
    }

    #[test]
    fn state_round_trips_through_the_model() {
        let model = Model::from_aws(IMAGE, image(), vec!["111122223333".to_string()]);
        assert_eq!(Model::from_value(&model.to_value()), Some(model));
    }

    #[test]
    fn state_encodes_against_the_schema_type() {
        let ty = ImagePermissions.schema().block.value_type();
        let state = Model::from_aws(IMAGE, image(), vec!["111122223333".to_string()]).to_value();
        let bytes = crate::value::encode_msgpack(&state, &ty).expect("encodes");
        assert_eq!(crate::value::decode_msgpack(&bytes, &ty), Ok(state));
    }

    #[test]
    fn validation_points_at_image_id() {
        let diags = ImagePermissions.validate(&config(Value::string("ami-123")));
        assert!(diags.has_errors());
        let paths: Vec<String> = diags
            .iter()
            .filter_map(|d| d.attribute.as_ref())
            .map(|p| p.to_string())
            .collect();
        assert_eq!(paths, vec![IMAGE_ID]);
        assert!(ImagePermissions
            .validate(&config(Value::string(IMAGE)))
            .is_empty());
    }

    #[test]
    fn validation_skips_an_image_id_not_yet_known() {
        assert!(ImagePermissions
            .validate(&config(Value::Unknown))
            .is_empty());
    }

    #[test]
    fn every_attribute_is_described() {
        let schema = ImagePermissions.schema();
        assert!(!schema.block.description.is_empty());
        for a in &schema.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
        }
    }
}
