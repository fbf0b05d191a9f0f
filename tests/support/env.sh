# Sourced by the demo and the test runner: installs the tools (idempotent)
# and exports their paths, plus a clean AWS/Terraform environment.
#
# The installer runs in a plain assignment, not inside `eval "$(...)"`,
# so its exit status is seen: a failed install stops the caller here, with
# the installer's own message (already on stderr) and a non-zero status.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$repo/tests/support/lib.sh"
if ! tfws_tool_paths=$(bash "$repo/tests/tools.sh"); then
  echo "error: installing the tools failed (tests/tools.sh, message above); stopping." >&2
  exit 1
fi
while IFS= read -r tfws_line; do
  case "$tfws_line" in
    TFWS_*=*) export "$tfws_line" ;;
    *) echo "error: tests/tools.sh printed an unexpected line: $tfws_line" >&2; exit 1 ;;
  esac
done <<< "$tfws_tool_paths"
unset tfws_tool_paths tfws_line
for tfws_key in TFWS_MOTO_SERVER TFWS_PYTHON TFWS_TERRAFORM_1_0_3 TFWS_TERRAFORM_0_15 TFWS_TERRAFORM_0_12; do
  [ -n "${!tfws_key:-}" ] || { echo "error: tests/tools.sh did not set $tfws_key; stopping." >&2; exit 1; }
done
unset tfws_key
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_WORKSPACES AWS_ENDPOINT_URL_STS
