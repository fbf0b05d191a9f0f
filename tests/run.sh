#!/usr/bin/env bash
# The test command: installs what the tests need (moto, Terraform 1.0.3,
# cached under target/tools), checks formatting and lints, and runs every
# test, unit and end-to-end. No test is skipped for a missing tool.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

echo "== tools"
source tests/support/env.sh
# Terraform reads this file even for `version`; an empty one keeps it quiet.
mkdir -p "$repo/target/tools"
export TF_CLI_CONFIG_FILE=$repo/target/tools/empty.tfrc
: > "$TF_CLI_CONFIG_FILE"
echo "Terraform versions the end-to-end tests run:"
echo "  $(first_line "$TFWS_TERRAFORM_1_0_3" version) ($TFWS_TERRAFORM_1_0_3)"
if command -v terraform >/dev/null; then
  echo "  $(first_line terraform version) ($(command -v terraform))"
else
  echo "  no terraform on PATH: the PATH-Terraform tests will fail" >&2
fi

echo "== cargo fmt --check"
cargo fmt --check

echo "== cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings

echo "== cargo test"
cargo test --all-targets
