#!/usr/bin/env bash
# The test command: installs what the tests need (moto, Terraform 1.0.3,
# cargo-deny, cargo-fuzz, cached under target/tools), checks formatting,
# lints and the dependencies' licenses and sources, runs every test, unit
# and end-to-end (with cargo-nextest), then the fuzz targets for a bounded
# time. No test is skipped for a missing tool.
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
for tfws_old in "$TFWS_TERRAFORM_0_15" "$TFWS_TERRAFORM_0_12"; do
  echo "  $(first_line "$tfws_old" version 2>/dev/null) ($tfws_old)"
done
if command -v terraform >/dev/null; then
  echo "  $(first_line terraform version) ($(command -v terraform))"
else
  echo "  no terraform on PATH: the PATH-Terraform tests will fail" >&2
fi

# cargo-deny and cargo-fuzz (tests/tools.sh --cargo-tools): KEY=value lines.
cargo_tools=$(bash tests/tools.sh --cargo-tools) ||
  { echo "error: installing cargo-deny and cargo-fuzz failed (message above); stopping." >&2; exit 1; }
while IFS= read -r line; do
  case "$line" in
    TFWS_CARGO_*=*) export "${line?}" ;;
    *) echo "error: tests/tools.sh --cargo-tools printed an unexpected line: $line" >&2; exit 1 ;;
  esac
done <<< "$cargo_tools"
echo "  $(first_line "$TFWS_CARGO_DENY" --version), $(first_line "$TFWS_CARGO_FUZZ" --version)"

echo "== cargo deny"
# Licenses, bans and sources of this crate's dependencies and of fuzz/'s.
# Not advisories: the advisory database cannot be fetched from the
# machines this project builds on (see the README).
for manifest in Cargo.toml fuzz/Cargo.toml; do
  "$TFWS_CARGO_DENY" --manifest-path "$manifest" --all-features --config "$repo/deny.toml" \
    check --hide-inclusion-graph licenses bans sources
done

# The fuzz targets (section `== fuzz` below) build now, in the background
# on the nightly toolchain into target/fuzz, while the main build below
# leaves a core idle (its long single-crate stretches: the AWS SDK, the
# provider itself): on two cores most of their build then costs no time.
if ! nightly=$(cargo +nightly --version 2>&1); then
  echo "error: the fuzz targets need the nightly toolchain (rustup toolchain list): $nightly" >&2
  exit 1
fi
mkdir -p "$repo/target/fuzz"
# `fuzz SUBCOMMAND ARGS...` runs cargo-fuzz; our build options go before
# ARGS, since everything after a target's name is the fuzzer's.
fuzz_options=(--fuzz-dir "$repo/fuzz" -O -a --sanitizer none --target-dir "$repo/target/fuzz")
fuzz() {
  local subcommand=$1
  shift
  RUSTUP_TOOLCHAIN=nightly "$TFWS_CARGO_FUZZ" fuzz "$subcommand" "${fuzz_options[@]}" "$@"
}
# Its own process group (setsid), so that an early exit stops all of it.
RUSTUP_TOOLCHAIN=nightly setsid "$TFWS_CARGO_FUZZ" fuzz build "${fuzz_options[@]}" \
  > "$repo/target/fuzz/build.log" 2>&1 < /dev/null &
fuzz_build=$!
trap 'kill -- -"$fuzz_build" 2>/dev/null || true' EXIT

# A clean CI build is never built again: incremental data is only writing.
if [ "${CI:-}" = true ]; then
  export CARGO_INCREMENTAL=0
fi

echo "== cargo fmt --check"
cargo fmt --check

echo "== cargo clippy and build"
# One build for both: clippy-driver compiles this crate's targets (the lib,
# the binary, every test) with its lints on and -D warnings, as
# `cargo clippy --all-targets -- -D warnings` would, and makes the test
# binaries too; dependencies build with plain rustc. A separate clippy run
# would check every dependency a second time, minutes on two cores.
if ! clippy_driver=$(command -v clippy-driver); then
  echo "error: clippy-driver is not on PATH (rustup component add clippy)" >&2
  exit 1
fi
export RUSTC_WORKSPACE_WRAPPER=$clippy_driver
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
cargo test --all-targets --no-run

echo "== tests"
# cargo-nextest (on machines of this kind): every test in its own process,
# all binaries side by side (.config/nextest.toml). The same environment as
# the build above, so nothing is built again.
if ! nextest=$(cargo nextest --version 2>&1); then
  echo "error: cargo-nextest is missing: $nextest" >&2
  exit 1
fi
echo "  ${nextest%%$'\n'*}"
cargo nextest run --all-targets -E 'not test(/^call_counts::/)'
# call_counts last and alone: how many reads a wave of creates shares
# depends on timing, which a loaded machine stretches.
cargo nextest run --all-targets -E 'test(/^call_counts::/)' --test-threads 1
# The fuzz targets build with the nightly toolchain's own rustc.
unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS

echo "== fuzz"
# The cargo-fuzz targets of fuzz/ that need src/value only, both at once
# (each uses one core), for TFWS_FUZZ_SECONDS (default 20) from the
# checked-in corpus; new inputs go to target/fuzz/corpus, crashes to
# fuzz/artifacts. PlanResourceChange (feature `provider`) is not run here:
# it builds the whole provider with fuzzing instrumentation, many minutes
# (see fuzz/README.md); tests/rpc_arbitrary_bytes.rs puts random bytes
# into every RPC handler in `cargo test` instead.
echo "  $nightly"
if ! wait "$fuzz_build"; then
  tail -n 60 "$repo/target/fuzz/build.log" >&2
  echo "error: building the fuzz targets failed (whole log: target/fuzz/build.log)" >&2
  exit 1
fi
trap - EXIT
fuzz_seconds=${TFWS_FUZZ_SECONDS:-20}
fuzz_targets=(msgpack_decode json_decode)
fuzz_runs=()
for target in "${fuzz_targets[@]}"; do
  mkdir -p "$repo/target/fuzz/corpus/$target"
  fuzz run "$target" "$repo/target/fuzz/corpus/$target" "$repo/fuzz/corpus/$target" -- \
    -max_total_time="$fuzz_seconds" -print_final_stats=1 > "$repo/target/fuzz/$target.log" 2>&1 &
  fuzz_runs+=($!)
done
fuzz_failed=0
for i in "${!fuzz_targets[@]}"; do
  target=${fuzz_targets[$i]}
  log=$repo/target/fuzz/$target.log
  if wait "${fuzz_runs[$i]}"; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "  $target: ${runs:-?} inputs in ${fuzz_seconds}s, no crash"
  else
    tail -n 60 "$log" >&2
    echo "error: fuzz target $target failed (whole log: target/fuzz/$target.log); the input is kept under fuzz/artifacts/$target" >&2
    fuzz_failed=1
  fi
done
[ "$fuzz_failed" = 0 ] || exit 1
