"""Where the provider's CPU time goes in one Terraform command against moto.

Runs the workflow as benches/bench.py does (moto, the paging proxy,
Terraform 1.11 through a filesystem mirror), but with every provider
process Terraform starts running under `perf record -e cpu-clock` (user and
kernel). Prints markdown: per process, its CPU samples; for the busiest,
the share of each crate (the first path segment of the symbol; kernel and
the C allocator on their own lines) and the top functions; and, from the
proxy's timeline, how long the API calls took and how long the provider
left the API idle between a wave's last write and its read-back.

The release binary keeps its symbol table (Cargo.toml), so perf names the
functions without a special build. Sampling at 10 kHz makes the provider
slower; compare shares, not times.

usage: python3 benches/profile.py [--workflow perm:100] [--command apply]
         [--provider target/release/terraform-provider-workspaces]
(benches/run.sh must have run once: it compiles the wrapper it reuses.)
"""
import argparse
import collections
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import bench  # noqa: E402

COMMANDS = {"apply": ["apply", "-auto-approve"], "plan": ["plan"],
            "destroy": ["destroy", "-auto-approve"]}
ALLOC = re.compile(r"_?_?(int_)?(malloc|free|cfree|memmove|memcpy|memcmp|memset|unlink|realloc)")


def crate_of(kind, sym):
    if kind == "k":
        return "kernel"
    s = sym.lstrip("<&*( ")
    m = re.match(r"(?:dyn )?([A-Za-z_0-9]+)::", s)
    if m:
        return m.group(1)
    if ALLOC.match(s):
        return "libc allocator and memcpy"
    return "other (C: aws-lc, libc)"


def samples(data):
    out = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "sym",
                          "-q", "-F", "sample,sym"], capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"\s*(\d+)\s+\[(.)\]\s+(.*)", line)
        if m:
            rows.append((int(m.group(1)), m.group(2), m.group(3).strip()))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workflow", default="perm:100", choices=sorted(bench.WORKFLOWS))
    ap.add_argument("--command", default="apply", choices=sorted(COMMANDS))
    ap.add_argument("--provider", default=os.path.join(
        HERE, "..", "target", "release", "terraform-provider-workspaces"))
    ap.add_argument("--freq", type=int, default=10000)
    args = ap.parse_args()
    provider = os.path.abspath(args.provider)
    wrap = os.path.join(HERE, "..", "target", "bench-tools", "rusage_wrap")
    for need, what in ((shutil.which("perf"), "perf"), (os.path.exists(wrap), wrap),
                       (os.path.exists(provider), provider)):
        if not need:
            sys.exit(f"profile.py: {what} is missing")

    work = tempfile.mkdtemp(prefix="tfws-profile-")
    perf_dir = os.path.join(work, "perf")
    os.makedirs(perf_dir)
    # Terraform runs the wrapper, which runs perf, which runs the provider.
    perf_wrap = os.path.join(work, "perf-provider.sh")
    with open(perf_wrap, "w") as f:
        f.write("#!/bin/sh\nexec perf record -q -e cpu-clock -F %d -o %s/$$.data -- %s \"$@\" "
                "2>>%s/perf.log\n" % (args.freq, perf_dir, provider, perf_dir))
    os.chmod(perf_wrap, stat.S_IRWXU)
    trace = os.path.join(work, "calls.txt")
    os.environ["TFWS_BENCH_TRACE"] = trace
    svc = bench.Services(shutil.which("moto_server"), work)
    try:
        tf = bench.Terraform(shutil.which("terraform"), work, perf_wrap, wrap)
        _, _, n_images = bench.WORKFLOWS[args.workflow]
        images = svc.new_images(n_images)
        d = os.path.join(work, "ours")
        bench.write_config(d, args.workflow, images, svc.endpoint, False)
        tf.init(d)
        if args.command != "apply":
            tf.run(d, *COMMANDS["apply"])
        for name in os.listdir(perf_dir):
            os.remove(os.path.join(perf_dir, name))
        open(trace, "w").close()
        r = tf.run(d, *COMMANDS[args.command])
    finally:
        svc.stop()

    p = print
    p(f"## Profile: terraform {args.command}, {bench.describe_label(args.workflow)}")
    p("")
    p(f"Wall {r['wall']:.2f} s under perf at {args.freq} Hz; {r['provider_procs']} provider "
      f"processes. One sample = {1000 / args.freq:.2f} ms of CPU.")
    p("")
    procs = []
    for name in sorted(os.listdir(perf_dir)):
        if name.endswith(".data"):
            rows = samples(os.path.join(perf_dir, name))
            procs.append((sum(n for n, _, _ in rows), name, rows))
    procs.sort(reverse=True)
    p("| provider process | CPU samples |")
    p("|---|---|")
    for total, name, _ in procs:
        p(f"| {name[:-5]} | {total} |")
    p("")
    total, name, rows = procs[0]
    by_crate = collections.Counter()
    for n, kind, sym in rows:
        by_crate[crate_of(kind, sym)] += n
    p(f"### The busiest process ({name[:-5]}): CPU by crate")
    p("")
    p("| crate | share |")
    p("|---|---|")
    for crate, n in by_crate.most_common(20):
        p(f"| {crate} | {100 * n / total:.1f}% |")
    p("")
    p("### Its top functions")
    p("")
    p("| function | share |")
    p("|---|---|")
    for n, kind, sym in sorted(rows, reverse=True)[:15]:
        p(f"| `{sym[:110]}` | {100 * n / total:.1f}% |")
    p("")

    calls = []
    with open(trace) as f:
        for line in f:
            start, end, op = line.split()
            calls.append((float(start), float(end), op))
    if calls:
        calls.sort()
        t0 = calls[0][0]
        ops = collections.Counter(op for _, _, op in calls)
        p("### API timeline (from the proxy)")
        p("")
        p(f"{len(calls)} calls over {calls[-1][1] - t0:.2f} s: "
          + ", ".join(f"{op} {n}" for op, n in ops.most_common()) + ".")
        gaps, last_write = [], None
        for start, end, op in calls:
            if op == "UpdateWorkspaceImagePermission":
                last_write = max(last_write or end, end)
            elif op == "DescribeWorkspaceImagePermissions" and last_write is not None:
                if start > last_write:
                    gaps.append(start - last_write)
                last_write = None
        if gaps:
            gaps.sort()
            p(f"Between a wave's last write and its read-back the API sat idle "
              f"{1000 * sum(gaps):.0f} ms in all ({len(gaps)} waves, median "
              f"{1000 * gaps[len(gaps) // 2]:.1f} ms).")
        p("")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
