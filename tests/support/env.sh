# Sourced by the demo and the test runner: installs the tools (idempotent)
# and exports their paths, plus a clean AWS/Terraform environment.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
eval "$(bash "$repo/tests/tools.sh" | sed 's/^/export /')"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_WORKSPACES
