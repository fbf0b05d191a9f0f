#!/usr/bin/env bash
# Writes scripts/startup-symbols.txt: the functions of the release binary
# that run from exec to the handshake line, which build.rs hands to the
# linker (LLD's --symbol-ordering-file) so they sit together at the front of
# the code. The kernel maps a binary's code in blocks around each page
# touched (128 kB here), so start-up code scattered over 9 MB of code makes
# most of it resident: 3.9 MB of code pages at the handshake without the
# ordering, 1.0 MB with it (benches/RESULTS.md, 2026-11-26).
#
# The names carry hashes of the compiler, the dependencies and the release
# profile, so rerun this after changing any of them (cargo update, a new
# rustc): `bash benches/run.sh --only startup` prints how many of the names
# the binary still has. Stale names cost nothing but the ordering.
#
# usage: bash scripts/startup-symbols.sh   (needs valgrind; builds and relinks release)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
out=scripts/startup-symbols.txt
binary=target/release/terraform-provider-workspaces
command -v valgrind >/dev/null || { echo "startup-symbols.sh: valgrind is needed" >&2; exit 1; }

cargo build --release --locked --bin terraform-provider-workspaces
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Callgrind records every function the process runs; it is stopped once the
# handshake line is out. benches/startup.py starts the binary as Terraform
# does (AutoMTLS with a P-521 client certificate).
python3 - "$binary" "$work/callgrind.out" <<'PY'
import os, signal, subprocess, sys
sys.path.insert(0, "benches")
import startup
binary, out = sys.argv[1:]
env = dict(os.environ)
env.update(startup.plugin_env(startup.client_cert_pem()))
p = subprocess.Popen(
    ["valgrind", "--tool=callgrind", "--demangle=no", "--compress-strings=no",
     "--compress-pos=no", f"--callgrind-out-file={out}", binary],
    env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
line = p.stdout.readline()
p.send_signal(signal.SIGTERM)
p.wait()
if not line.startswith(b"1|"):
    sys.exit(f"startup-symbols.sh: no handshake line from {binary}: {line!r}")
PY

sed -n 's/^c\{0,1\}fn=//p' "$work/callgrind.out" | LC_ALL=C sort -u > "$work/ran"
nm --defined-only "$binary" | awk '$2 ~ /^[tT]$/ {print $3}' | LC_ALL=C sort -u > "$work/defined"
LC_ALL=C comm -12 "$work/ran" "$work/defined" > "$out"
echo "wrote $out: $(wc -l < "$out") functions"

# build.rs watches the file: this relinks target/release in the new order.
cargo build --release --locked --bin terraform-provider-workspaces
