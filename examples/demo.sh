#!/usr/bin/env bash
# The demo: builds the provider, starts a local WorkSpaces endpoint (moto),
# creates a custom image there, and runs terraform init/apply/plan/destroy
# on examples/main.tf, showing who may copy the image at each step.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

step "Installing tools (moto, Terraform 1.0.3) under target/tools"
source tests/support/env.sh

step "Building terraform-provider-workspaces (release)"
cargo build --release --quiet
provider=$repo/target/release/terraform-provider-workspaces

terraform=$(command -v terraform || echo "$TFWS_TERRAFORM_1_0_3")

work=$repo/target/demo
rm -rf "$work"
mkdir -p "$work/mirror/terraform.local/platform/workspaces/0.1.0/linux_amd64" "$work/config"
cp "$provider" "$work/mirror/terraform.local/platform/workspaces/0.1.0/linux_amd64/terraform-provider-workspaces_v0.1.0"
cat > "$work/cli.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["terraform.local/*/*"]
  }
  direct {
    exclude = ["terraform.local/*/*"]
  }
}
TFRC
export TF_CLI_CONFIG_FILE=$work/cli.tfrc
echo "Using $(first_line "$terraform" version) ($terraform)"
cp examples/main.tf "$work/config/"

step "Starting moto (local WorkSpaces API)"
port=$("$TFWS_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TFWS_MOTO_SERVER" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true' EXIT
endpoint=http://127.0.0.1:$port
for _ in $(seq 1 100); do
  "$TFWS_PYTHON" -c "import urllib.request; urllib.request.urlopen('$endpoint/moto-api/')" 2>/dev/null && break
  sleep 0.1
done
echo "moto listening on $endpoint"

step "Creating a WorkSpaces image (directory, workspace, CreateWorkspaceImage)"
image=$("$TFWS_PYTHON" tests/support/seed_image.py "$endpoint")
echo "image: $image"
show() { "$TFWS_PYTHON" tests/support/show_sharing.py "$endpoint" "$image"; }
show

tf() { (cd "$work/config" && "$terraform" "$@" -no-color); }
export TF_VAR_workspaces_endpoint=$endpoint TF_VAR_image_id=$image

step "terraform init"
init_out=$(tf init -input=false)
# Show only the lines that matter; grep reads all of its input, and the
# output is captured first, so no pipe closes early.
grep -E 'Installed|Terraform has been successfully initialized' <<< "$init_out"

step "terraform apply: share with 111122223333 and 444455556666"
export TF_VAR_shared_account_ids='["111122223333","444455556666"]'
tf apply -input=false -auto-approve
show

step "terraform plan: nothing changed, so nothing to do"
tf plan -input=false

step "terraform plan + apply: swap 444455556666 for 777788889999 (one loses access, one gains it)"
export TF_VAR_shared_account_ids='["111122223333","777788889999"]'
tf apply -input=false -auto-approve
show

step "terraform destroy: revoke everything"
tf destroy -input=false -auto-approve
show

step "Demo complete"
