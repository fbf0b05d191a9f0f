#!/usr/bin/env bash
# Writes scripts/startup-symbols.txt, the order build.rs hands to the linker
# (LLD's --symbol-ordering-file) for release builds: first the functions the
# binary runs from exec to the handshake line, then the ones Terraform's
# apply, plan and destroy of both resources run. The kernel maps a binary's
# code in blocks around each page touched (128 kB here), so code scattered
# over 9 MB makes most of it resident: 3.9 MB of code pages at the handshake
# without the ordering, under 1 MB with it (benches/RESULTS.md, 2026-11-26).
#
# The names carry hashes of the compiler, the dependencies and the release
# profile, so rerun this after changing any of them (cargo update, a new
# rustc): `bash benches/run.sh --only startup` prints how many of the names
# the binary still has. Stale names cost nothing but the ordering.
#
# usage: bash scripts/startup-symbols.sh
#   needs valgrind, a C compiler, and what the tests use (moto, Terraform
#   1.11 on PATH; tests/support/env.sh); builds release, then relinks it.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
out=scripts/startup-symbols.txt
binary=$repo/target/release/terraform-provider-workspaces
for tool in valgrind cc terraform; do
  command -v "$tool" >/dev/null || { echo "startup-symbols.sh: $tool is needed" >&2; exit 1; }
done
source tests/support/env.sh

cargo build --release --locked --bin terraform-provider-workspaces
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/cg"
cc -O2 -o "$work/rusage_wrap" benches/rusage_wrap.c

# Callgrind records every function a process runs. First the start-up alone,
# stopped once the handshake line is out (benches/startup.py starts the
# binary as Terraform does, with AutoMTLS); then every provider process of
# a few small Terraform runs against moto (benches/bench.py's set-up).
cat > "$work/callgrind-provider" <<SH
#!/bin/sh
exec valgrind --tool=callgrind --demangle=no --compress-strings=no --compress-pos=no \
  --callgrind-out-file=$work/cg/run.%p "$binary" "\$@" 2>/dev/null
SH
chmod +x "$work/callgrind-provider"
python3 - "$binary" "$work" <<'PY'
import os, shutil, signal, subprocess, sys
sys.path.insert(0, "benches")
sys.dont_write_bytecode = True
import bench, startup
binary, work = sys.argv[1:]
env = dict(os.environ)
env.update(startup.plugin_env(startup.client_cert_pem()))
p = subprocess.Popen(
    ["valgrind", "--tool=callgrind", "--demangle=no", "--compress-strings=no",
     "--compress-pos=no", f"--callgrind-out-file={work}/startup.out", binary],
    env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
line = p.stdout.readline()
p.send_signal(signal.SIGTERM)
p.wait()
if not line.startswith(b"1|"):
    sys.exit(f"startup-symbols.sh: no handshake line from {binary}: {line!r}")

svc = bench.Services(shutil.which("moto_server"), work)
try:
    tf = bench.Terraform(shutil.which("terraform"), work,
                         os.path.join(work, "callgrind-provider"),
                         os.path.join(work, "rusage_wrap"))
    for key in ("perm:10", "share:100"):
        images = svc.new_images(bench.WORKFLOWS[key][2])
        d = os.path.join(work, key.replace(":", "-"))
        bench.write_config(d, key, images, svc.endpoint, False)
        tf.init(d)
        for args in (["apply", "-auto-approve"], ["plan"], ["destroy", "-auto-approve"]):
            tf.run(d, *args)
finally:
    svc.stop()
PY

functions() { sed -n 's/^c\{0,1\}fn=//p' "$@" | LC_ALL=C sort -u; }
nm --defined-only "$binary" | awk '$2 ~ /^[tT]$/ {print $3}' | LC_ALL=C sort -u > "$work/defined"
functions "$work/startup.out" | LC_ALL=C comm -12 - "$work/defined" > "$work/startup"
functions "$work"/cg/run.* | LC_ALL=C comm -12 - "$work/defined" \
  | LC_ALL=C comm -23 - "$work/startup" > "$work/later"
cat "$work/startup" "$work/later" > "$out"
echo "wrote $out: $(wc -l < "$work/startup") start-up functions, then $(wc -l < "$work/later") more"

# build.rs watches the file: this relinks target/release in the new order.
cargo build --release --locked --bin terraform-provider-workspaces
