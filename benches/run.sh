#!/usr/bin/env bash
# The benchmark (README, "Benchmarks"): terraform-provider-workspaces side by
# side with Terraform's floor (terraform_data), a Go provider, the AWS CLI in
# a loop and boto3. Prints markdown tables to stdout (progress on stderr).
#
#   bash benches/run.sh                       everything (~20 min here)
#   bash benches/run.sh --quick               start-up, 100 per-account grants and the
#                                             2,000-account apply, 1 rep (a few minutes)
#   bash benches/run.sh --only startup        one section: startup, workflows, parallelism
#   bash benches/run.sh --only workflows --workflows perm:100,share:2000 --reps 5
#   bash benches/run.sh --no-build --provider PATH   measure another build of ours
#   bash benches/run.sh --save FILE           also write the tables to FILE
#
# Other options go to benches/bench.py (--runs, --parallelism, --cli-direct-max,
# --cli-sample, --json); `python3 benches/bench.py --help` lists them.
# Workflows: perm:10 perm:100 perm:500 share:100 share:500 share:2000
# share:50x20 perm:50x20 (perm = workspaces_image_permission per account,
# share = workspaces_image_sharing, NxM = N images x M accounts).
#
# Tools are installed under target/bench-tools (never committed): the AWS CLI
# (PyPI awscli, in a venv), the Go provider (the linux_amd64 binary in PyPI's
# workato-terraform-provider 0.16.0 wheel, sha256-pinned), and two tiny C
# programs compiled from benches/ (the start-up floor and the wrapper that
# records the provider's CPU time and peak RSS). moto, boto3 and Terraform
# 1.11.4 come from tests/support/env.sh and PATH, as for the tests.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
tools=$repo/target/bench-tools
provider=$repo/target/release/terraform-provider-workspaces
build=1
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --provider) provider=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); build=0; shift ;;
    *) pass+=("$1") ;;
  esac
  shift
done

log() { echo "bench: $*" >&2; }

source tests/support/env.sh
command -v terraform >/dev/null || { log "terraform (1.11.x) must be on PATH"; exit 1; }
command -v cc >/dev/null || { log "a C compiler (cc) is needed for the floor and the wrapper"; exit 1; }
mkdir -p "$tools"

if [ "$build" = 1 ]; then
  log "building the release binary (cargo build --release)"
  cargo build --release --quiet >&2
fi
[ -x "$provider" ] || { log "no provider binary at $provider"; exit 1; }

# The AWS CLI, in its own venv (its botocore pin is not moto's).
aws=$tools/awscli-venv/bin/aws
if ! "$aws" --version >/dev/null 2>&1; then
  log "installing the AWS CLI (PyPI awscli) into $tools/awscli-venv"
  rm -rf "$tools/awscli-venv"
  python3 -m venv "$tools/awscli-venv"
  "$tools/awscli-venv/bin/pip" install --quiet --disable-pip-version-check awscli >&2
fi

# The Go provider: go-plugin + terraform-plugin-framework, linux_amd64.
go_bin=$tools/go-provider/terraform-provider-workato
if [ ! -x "$go_bin" ]; then
  log "fetching the Go provider (PyPI workato-terraform-provider 0.16.0 wheel)"
  dl=$(mktemp -d)
  printf 'workato-terraform-provider==0.16.0 --hash=sha256:%s\n' \
    c3c972be81b9e8e51bf96ceeac09ab4e0a09c98ea45352e53ffb6ff8b2457949 > "$dl/req.txt"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
    --require-hashes -r "$dl/req.txt" -d "$dl" >&2
  mkdir -p "$tools/go-provider"
  python3 - "$dl" "$go_bin" <<'PY'
import glob, os, sys, zipfile
dl, out = sys.argv[1:]
(wheel,) = glob.glob(os.path.join(dl, "*.whl"))
member = ("workato_terraform_provider/payload/registry.terraform.io/local/workato/"
          "0.16.0/linux_amd64/terraform-provider-workato_v0.16.0")
with zipfile.ZipFile(wheel) as z, open(out + ".part", "wb") as f:
    f.write(z.read(member))
os.chmod(out + ".part", 0o755)
os.replace(out + ".part", out)
PY
  rm -rf "$dl"
fi

cc -O2 -o "$tools/floor" benches/floor.c
cc -O2 -o "$tools/rusage_wrap" benches/rusage_wrap.c

label="terraform-provider-workspaces $(git describe --always --dirty 2>/dev/null || echo '?'), release build, $(stat -c %s "$provider") bytes"
exec "$TFWS_PYTHON" benches/bench.py \
  --provider "$provider" --provider-label "$label" \
  --go "$go_bin" --floor "$tools/floor" --wrap "$tools/rusage_wrap" --aws "$aws" \
  --terraform "$(command -v terraform)" --work "$repo/target/bench-work" \
  --json "$repo/target/bench-work.json" "${pass[@]}"
