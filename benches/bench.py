"""The benchmark behind benches/run.sh (see README, "Benchmarks").

Puts terraform-provider-workspaces side by side with Terraform's own floor
(`terraform_data`), a Go provider (start-up only), the AWS CLI in a loop and
one boto3 process, and prints markdown tables to stdout. Progress goes to
stderr; the raw figures to --json.

Sections (--only, comma-separated; default all):
  startup      exec -> handshake with AutoMTLS, RSS at handshake, size
  workflows    terraform apply / plan / destroy against moto, through a
               counting proxy that pages permissions at 25 like AWS
  parallelism  apply and destroy of the 100-grant case at -parallelism
               1, 10 and 50
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no benches/__pycache__ in the work tree
sys.path.insert(0, HERE)
import startup  # noqa: E402

REGION = "us-east-1"
ACCOUNT_BASE = 200000000000
CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
         "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
         "AWS_EC2_METADATA_DISABLED": "true"}

# Workflows: kind, N (accounts per image), images.
#   perm   N workspaces_image_permission on each image
#   share  one workspaces_image_sharing per image, N accounts each
WORKFLOWS = {
    "perm:10": ("perm", 10, 1),
    "perm:100": ("perm", 100, 1),
    "perm:500": ("perm", 500, 1),
    "share:100": ("share", 100, 1),
    "share:500": ("share", 500, 1),
    "share:2000": ("share", 2000, 1),
    "share:50x20": ("share", 20, 50),
    "perm:50x20": ("perm", 20, 50),
}
FULL = ["perm:10", "perm:100", "perm:500", "share:100", "share:500", "share:2000",
        "share:50x20", "perm:50x20"]
QUICK = ["perm:100", "share:2000"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def accounts(n):
    return [str(ACCOUNT_BASE + i) for i in range(n)]


def describe_label(key):
    kind, n, images = WORKFLOWS[key]
    if kind == "perm":
        if images == 1:
            return f"{n} × `workspaces_image_permission`, 1 image"
        return f"{images} images × {n} accounts: {images * n} × `workspaces_image_permission`"
    if images == 1:
        return f"1 × `workspaces_image_sharing`, {n} accounts"
    return f"{images} images × {n} accounts: {images} × `workspaces_image_sharing`"


def resources_of(key):
    kind, n, images = WORKFLOWS[key]
    return n * images if kind == "perm" else images


# ---------------------------------------------------------------- services

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_http(url, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


class Services:
    """moto on 127.0.0.1 and the counting, paging proxy in front of it."""

    def __init__(self, moto_server, work):
        self.procs = []
        port = free_port()
        self.moto = f"http://127.0.0.1:{port}"
        self.procs.append(subprocess.Popen(
            [moto_server, "-H", "127.0.0.1", "-p", str(port)],
            stdout=open(os.path.join(work, "moto.log"), "w"), stderr=subprocess.STDOUT))
        wait_http(self.moto + "/moto-api/")
        port_file = os.path.join(work, "proxy.port")
        self.procs.append(subprocess.Popen(
            [sys.executable, os.path.join(HERE, "paging_proxy.py"), self.moto, port_file],
            stdout=open(os.path.join(work, "proxy.log"), "w"), stderr=subprocess.STDOUT))
        for _ in range(300):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        with open(port_file) as f:
            self.endpoint = f"http://127.0.0.1:{f.read().strip()}"
        wait_http(self.endpoint + "/__bench/counts")
        kw = dict(endpoint_url=self.moto, region_name=REGION,
                  aws_access_key_id="testing", aws_secret_access_key="testing")
        self.ws = boto3.client("workspaces", **kw)
        self.ec2 = boto3.client("ec2", **kw)
        self.ds = boto3.client("ds", **kw)
        self.workspace = None
        self.image_seq = 0

    def stop(self):
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def reset_counts(self):
        urllib.request.urlopen(urllib.request.Request(
            self.endpoint + "/__bench/reset", data=b"", method="POST")).read()

    def counts(self):
        return json.loads(urllib.request.urlopen(self.endpoint + "/__bench/counts").read())

    def new_images(self, n):
        """n custom images (moto needs a directory and a workspace first)."""
        if self.workspace is None:
            vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            zones = [z["ZoneName"] for z in
                     self.ec2.describe_availability_zones()["AvailabilityZones"]][:2]
            subnets = [self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                              AvailabilityZone=z)["Subnet"]["SubnetId"]
                       for i, z in enumerate(zones)]
            directory = self.ds.create_directory(
                Name="corp.example.com", ShortName="corp", Password="Secret-Passw0rd!",
                Size="Small", VpcSettings={"VpcId": vpc, "SubnetIds": subnets})["DirectoryId"]
            self.ws.register_workspace_directory(DirectoryId=directory)
            self.workspace = self.ws.create_workspaces(Workspaces=[{
                "DirectoryId": directory, "UserName": "builder",
                "BundleId": "wsb-123456789"}])["PendingRequests"][0]["WorkspaceId"]
        out = []
        for _ in range(n):
            self.image_seq += 1
            out.append(self.ws.create_workspace_image(
                Name=f"bench-{self.image_seq}", Description="benchmark image",
                WorkspaceId=self.workspace)["ImageId"])
        return out

    def shared(self, image):
        # Straight to moto (uncounted); moto answers every entry at once.
        return [p["SharedAccountId"] for p in
                self.ws.describe_workspace_image_permissions(ImageId=image)["ImagePermissions"]]

    def total_shared(self, images):
        return sum(len(self.shared(i)) for i in images)

    def clear(self, images):
        for image in images:
            for a in self.shared(image):
                self.ws.update_workspace_image_permission(
                    ImageId=image, SharedAccountId=a, AllowCopyImage=False)


# ---------------------------------------------------------------- terraform

def hcl_list(items):
    return "[" + ", ".join(f'"{x}"' for x in items) + "]"


def write_config(d, key, images, endpoint, floor):
    kind, n, _ = WORKFLOWS[key]
    accts = accounts(n)
    os.makedirs(d, exist_ok=True)
    lines = []
    if not floor:
        lines.append(f"""terraform {{
  required_providers {{
    workspaces = {{ source = "terraform.local/platform/workspaces" }}
  }}
}}

provider "workspaces" {{
  region = "{REGION}"
  endpoints {{
    workspaces = "{endpoint}"
    sts        = "{endpoint}"
  }}
}}
""")
    lines.append(f"locals {{\n  images   = {hcl_list(images)}\n  accounts = {hcl_list(accts)}\n}}\n")
    rtype = "terraform_data" if floor else None
    if kind == "perm":
        pairs = 'for p in setproduct(local.images, local.accounts) : "${p[0]}/${p[1]}" => p'
        if floor:
            lines.append(f"""resource "terraform_data" "p" {{
  for_each = {{ {pairs} }}
  input = {{ image_id = each.value[0], shared_account_id = each.value[1] }}
}}
""")
        else:
            lines.append(f"""resource "workspaces_image_permission" "p" {{
  for_each          = {{ {pairs} }}
  image_id          = each.value[0]
  shared_account_id = each.value[1]
}}
""")
    else:
        if floor:
            # A set, as shared_account_ids is: Terraform's set handling is
            # part of the floor.
            lines.append("""resource "terraform_data" "s" {
  for_each = toset(local.images)
  input    = { image_id = each.value, shared_account_ids = toset(local.accounts) }
}
""")
        else:
            lines.append("""resource "workspaces_image_sharing" "s" {
  for_each           = toset(local.images)
  image_id           = each.value
  shared_account_ids = local.accounts
}
""")
    del rtype
    with open(os.path.join(d, "main.tf"), "w") as f:
        f.write("\n".join(lines))


class Terraform:
    timeout = 1200

    def __init__(self, terraform, work, provider, wrap):
        self.bin = terraform
        self.rusage = os.path.join(work, "provider-rusage.txt")
        mirror = os.path.join(work, "mirror")
        pdir = os.path.join(mirror, "terraform.local/platform/workspaces/0.1.0/linux_amd64")
        os.makedirs(pdir, exist_ok=True)
        # The mirror holds benches/rusage_wrap.c's binary: it runs the real
        # provider ($TFWS_BENCH_EXEC) and logs its CPU time and peak RSS.
        shutil.copy(wrap, os.path.join(pdir, "terraform-provider-workspaces_v0.1.0"))
        self.tfrc = os.path.join(work, "cli.tfrc")
        with open(self.tfrc, "w") as f:
            f.write(f"""provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["terraform.local/*/*"]
  }}
  direct {{
    exclude = ["terraform.local/*/*"]
  }}
}}
""")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TF_LOG", "TF_REATTACH", "AWS_", "TF_CLI_ARGS",
                                    "TF_PLUGIN_CACHE", "TF_VAR_"))}
        env.update(CREDS)
        env.update({"TF_CLI_CONFIG_FILE": self.tfrc, "TF_IN_AUTOMATION": "1",
                    "CHECKPOINT_DISABLE": "1", "TFWS_BENCH_RUSAGE": self.rusage,
                    "TFWS_BENCH_EXEC": provider,
                    "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"})
        self.env = env

    def version(self):
        out = subprocess.run([self.bin, "version"], env=self.env, capture_output=True, text=True)
        return out.stdout.splitlines()[0]

    def run(self, d, *args, allow=(0,)):
        """Runs one command; returns dict(wall, cpu (Terraform + provider), rc,
        provider: procs/cpu/max_rss_kib from the wrapper's lines)."""
        open(self.rusage, "w").close()
        cmd = [self.bin, *args, "-input=false", "-no-color"]
        logf = open(os.path.join(d, "last.log"), "w")
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=d, env=self.env, stdin=subprocess.DEVNULL,
                             stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        timer = threading.Timer(self.timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        logf.close()
        if p.returncode not in allow:
            with open(os.path.join(d, "last.log")) as f:
                tail = f.read()[-3000:]
            raise RuntimeError(f"terraform {' '.join(args)} in {d} exited {p.returncode}:\n{tail}")
        procs, cpu, rss = 0, 0.0, 0
        with open(self.rusage) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 4:
                    procs += 1
                    cpu += float(parts[1]) + float(parts[2])
                    rss = max(rss, int(parts[3]))
        return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rc": p.returncode,
                "provider_procs": procs, "provider_cpu": cpu, "provider_rss_kib": rss}

    def init(self, d):
        self.run(d, "init")


# ---------------------------------------------------------------- references

class Refs:
    """boto3 (one process) and the AWS CLI (one process per call)."""

    def __init__(self, aws, endpoint, work):
        self.aws = aws
        self.endpoint = endpoint
        self.work = work
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(CREDS)
        env.update({"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                    "AWS_PAGER": ""})
        self.env = env
        self.cli_call_times = []

    def boto3(self, mode, images, n):
        spec = os.path.join(self.work, "boto3-pairs.json")
        with open(spec, "w") as f:
            json.dump({"images": images, "accounts": accounts(n)}, f)
        cmd = [sys.executable, os.path.join(HERE, "boto3_ref.py"), self.endpoint, mode, spec]
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        out, err = p.stdout.read(), p.stderr.read()
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"boto3_ref {mode} failed: {err.decode()[-2000:]}")
        return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "result": out.decode().strip()}

    def cli(self, *args):
        cmd = [self.aws, "workspaces", *args, "--endpoint-url", self.endpoint,
               "--region", REGION, "--output", "json"]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, env=self.env, capture_output=True, text=True)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            raise RuntimeError(f"aws {' '.join(args)} failed: {p.stderr[-2000:]}")
        self.cli_call_times.append(dt)
        return p.stdout

    def cli_phase(self, mode, images, n):
        t0 = time.perf_counter()
        calls = 0
        for image in images:
            if mode == "describe":
                token = None
                while True:
                    extra = ["--next-token", token] if token else []
                    out = json.loads(self.cli("describe-workspace-image-permissions",
                                              "--image-id", image, *extra) or "{}")
                    calls += 1
                    token = out.get("NextToken")
                    if not token:
                        break
                continue
            flag = "--allow-copy-image" if mode == "grant" else "--no-allow-copy-image"
            for a in accounts(n):
                self.cli("update-workspace-image-permission", "--image-id", image,
                         "--shared-account-id", a, flag)
                calls += 1
        return {"wall": time.perf_counter() - t0, "calls": calls}


def cli_calls(mode, key):
    kind, n, images = WORKFLOWS[key]
    if mode == "describe":
        return images * max(1, math.ceil(n / 25))
    return images * n


# ---------------------------------------------------------------- sections

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def run_startup(args, res):
    bins = {"floor": args.floor, "ours": args.provider, "go": args.go}
    log(f"startup: {args.runs} interleaved runs of {', '.join(bins)}")
    res["startup"] = startup.measure(bins, args.runs)


PHASES = ("apply", "plan", "destroy")


def run_workflows(args, res, svc, tf, refs):
    out = res.setdefault("workflows", {})
    for key in args.workflows:
        try:
            run_workflow(args, out, key, svc, tf, refs)
        except Exception as e:  # report it, clean up, and go on with the next
            log(f"  FAILED: {e}")
            out.setdefault(key, {})["error"] = str(e).splitlines()[0]
            base = os.path.join(args.work, "wf", key.replace(":", "-"))
            for side in ("ours", "floor"):
                try:
                    tf.run(base + "-" + side, "destroy", "-auto-approve")
                except Exception as e2:
                    log(f"  cleanup destroy ({side}) failed too: {str(e2).splitlines()[0]}")


def run_workflow(args, out, key, svc, tf, refs):
    kind, n, nimg = WORKFLOWS[key]
    images = svc.new_images(nimg)
    total = n * nimg
    base = os.path.join(args.work, "wf", key.replace(":", "-"))
    dirs = {"ours": base + "-ours", "floor": base + "-floor"}
    for side, d in dirs.items():
        write_config(d, key, images, svc.endpoint, floor=(side == "floor"))
        tf.init(d)
    large = (total if args.quick else resources_of(key)) >= 1000
    reps = args.reps_large if large else args.reps
    rec = out[key] = {"images": nimg, "n": n, "grants": total, "reps": [],
                      "cli_direct": total <= args.cli_direct_max}
    log(f"workflow {key}: {describe_label(key)}; {reps} reps")
    for rep in range(reps):
        r = {}
        sides = ["ours", "floor"] if rep % 2 == 0 else ["floor", "ours"]
        for phase in PHASES:
            for side in sides:
                if side == "ours":
                    svc.reset_counts()
                extra = {"apply": ["apply", "-auto-approve"], "plan": ["plan", "-detailed-exitcode"],
                         "destroy": ["destroy", "-auto-approve"]}[phase]
                m = tf.run(dirs[side], *extra, allow=(0, 2) if phase == "plan" else (0,))
                if side == "ours":
                    m["calls"] = svc.counts()
                    held = svc.total_shared(images)
                    want = 0 if phase == "destroy" else total
                    if held != want:
                        log(f"  WARNING: after {phase} moto holds {held} grants, expected {want}")
                        m["held"] = held
                if phase == "plan" and m["rc"] == 2:
                    log(f"  WARNING: {side} plan found changes right after apply")
                r[f"{side}_{phase}"] = m
        # References: boto3 (always measured), AWS CLI (measured when small).
        for phase, mode in (("apply", "grant"), ("plan", "describe"), ("destroy", "revoke")):
            r[f"boto3_{phase}"] = refs.boto3(mode, images, n)
            if rec["cli_direct"] and rep == 0:
                r[f"cli_{phase}"] = refs.cli_phase(mode, images, n)
        if svc.total_shared(images):
            log("  WARNING: grants left after the references' revokes; clearing")
            svc.clear(images)
        rec["reps"].append(r)
        log("  rep %d: apply ours %.2fs floor %.2fs | plan %.2fs / %.2fs | destroy %.2fs / %.2fs"
            % (rep + 1, r["ours_apply"]["wall"], r["floor_apply"]["wall"], r["ours_plan"]["wall"],
               r["floor_plan"]["wall"], r["ours_destroy"]["wall"], r["floor_destroy"]["wall"]))


def run_cli_sample(args, res, svc, refs):
    """Per-call AWS CLI time, for the rows too long to run the loop on."""
    if len(refs.cli_call_times) >= args.cli_sample:
        return
    image = svc.new_images(1)
    k = max(1, (args.cli_sample - len(refs.cli_call_times) + 1) // 2)
    log(f"AWS CLI: sampling {2 * k} calls")
    refs.cli_phase("grant", image, k)
    refs.cli_phase("revoke", image, k)


def run_parallelism(args, res, svc, tf):
    key = "perm:100"
    images = svc.new_images(1)
    out = res.setdefault("parallelism", {})
    base = os.path.join(args.work, "par")
    dirs = {"ours": base + "-ours", "floor": base + "-floor"}
    for side, d in dirs.items():
        write_config(d, key, images, svc.endpoint, floor=(side == "floor"))
        tf.init(d)
    log(f"parallelism: {describe_label(key)} at -parallelism={args.parallelism}; {args.reps} reps")
    for rep in range(args.reps):
        for par in args.parallelism:
            rec = out.setdefault(str(par), [])
            r = {}
            sides = ["ours", "floor"] if rep % 2 == 0 else ["floor", "ours"]
            for phase in ("apply", "destroy"):
                for side in sides:
                    r[f"{side}_{phase}"] = tf.run(dirs[side], phase, "-auto-approve",
                                                  f"-parallelism={par}")
            rec.append(r)
            log("  rep %d -parallelism=%d: apply ours %.2fs floor %.2fs"
                % (rep + 1, par, r["ours_apply"]["wall"], r["floor_apply"]["wall"]))


# ---------------------------------------------------------------- report

def fmt_s(x):
    if x is None:
        return "–"
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


def fmt_ratio(x):
    return "–" if x is None else f"{x:.2f}×" if x < 10 else f"{x:.0f}×"


def mib(kib):
    return "–" if kib is None else f"{kib / 1024:.1f} MiB"


def verdict(ok):
    return "–" if ok is None else ("**met**" if ok else "**not met**")


def machine_info():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    return f"{os.cpu_count()} CPUs ({model}), {mem:.0f} GiB, Linux {platform.release()}"


def startup_order(binary):
    """How many of scripts/startup-symbols.txt's names the binary has: the
    start-up code is laid out together only as far as they still match."""
    listed = os.path.join(HERE, "..", "scripts", "startup-symbols.txt")
    try:
        with open(listed) as f:
            want = {line.strip() for line in f if line.strip()}
        out = subprocess.run(["nm", "--defined-only", binary], capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        return f"not known ({e})"
    have = {line.split()[-1] for line in out.splitlines()}
    if not have:
        return f"not known (no symbol table in {binary})"
    return (f"{len(want & have)} of the {len(want)} functions in "
            "scripts/startup-symbols.txt are in the binary")


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def report(args, res):
    o = []
    p = o.append
    meta = res["meta"]
    p(f"## Benchmark: {meta['date']}")
    p("")
    p(f"- Machine: {meta['machine']}; load average {meta['load_start']} at the start, "
      f"{meta.get('load_end', '?')} at the end (other work shares these CPUs: read ratios, not absolutes)")
    p(f"- Ours: {meta['provider']}")
    if "startup_order" in meta:
        p(f"- Start-up code order: {meta['startup_order']}")
    for k in ("terraform", "go", "aws_cli", "boto3", "moto"):
        if k in meta:
            p(f"- {meta['labels'][k]}: {meta[k]}")
    p(f"- Mode: {meta['mode']}; {meta['wall_total']:.0f} s for this run")
    p("")
    targets = []

    st = res.get("startup")
    if st:
        ours, go, fl = st["ours"], st["go"], st["floor"]
        p(f"### Start-up (median of {args.runs} interleaved runs, AutoMTLS with a P-521 client certificate)")
        p("")
        p("| | ours | Go provider | floor (C, prints one line) | ours ÷ Go |")
        p("|---|---|---|---|---|")
        p(f"| exec → handshake line | {fmt_s(ours['median_s'])} | {fmt_s(go['median_s'])} | "
          f"{fmt_s(fl['median_s'])} | {fmt_ratio(ours['median_s'] / go['median_s'])} |")
        p(f"| RSS at handshake | {mib(ours['median_rss_kib'])} | {mib(go['median_rss_kib'])} | "
          f"{mib(fl['median_rss_kib'])} | {fmt_ratio(ours['median_rss_kib'] / go['median_rss_kib'])} |")
        p(f"| binary size | {ours['size_bytes'] / 1e6:.1f} MB | {go['size_bytes'] / 1e6:.1f} MB | "
          f"{fl['size_bytes'] / 1e3:.0f} kB | {fmt_ratio(ours['size_bytes'] / go['size_bytes'])} |")
        p(f"| handshake: protocol, network | {ours['protocol']}, {ours['network']} | "
          f"{go['protocol']}, {go['network']} | – | |")
        p("")
        r = ours["median_s"] / go["median_s"]
        targets.append(("exec → handshake ≤ 0.15× Go's", fmt_ratio(r), r <= 0.15))
        r = ours["median_rss_kib"] / go["median_rss_kib"]
        targets.append(("RSS at handshake ≤ 0.3× Go's", fmt_ratio(r), r <= 0.3))

    wf = res.get("workflows")
    cli_t = med(res.get("cli_call_times", []))
    if wf:
        p("### Workflows against moto (medians; Terraform -parallelism=10)")
        p("")
        p("Wall time of the whole command. floor = the same number of `terraform_data` "
          "resources holding the same values; boto3 = one Python process making the same "
          "calls one after another (the API floor); AWS CLI = one `aws` process per call "
          "(`update-workspace-image-permission`; `describe-workspace-image-permissions` "
          "page by page for plan).")
        if cli_t:
            p(f"AWS CLI figures marked ≈ are extrapolated: calls × {fmt_s(cli_t)}, the median "
              f"of {len(res['cli_call_times'])} measured CLI calls in this run.")
        p("")
        p("| workflow | reps | command | ours | floor | ours ÷ floor | boto3 | AWS CLI loop | ours ÷ CLI |")
        p("|---|---|---|---|---|---|---|---|---|")
        for key, rec in wf.items():
            if rec.get("error"):
                p(f"| {describe_label(key)} | | failed: {rec['error']} | | | | | | |")
                continue
            reps = rec["reps"]
            for phase in PHASES:
                ours = med([r[f"ours_{phase}"]["wall"] for r in reps])
                floor = med([r[f"floor_{phase}"]["wall"] for r in reps])
                b3 = med([r[f"boto3_{phase}"]["wall"] for r in reps])
                mode = {"apply": "grant", "plan": "describe", "destroy": "revoke"}[phase]
                if rec["cli_direct"]:
                    cli = reps[0][f"cli_{phase}"]["wall"]
                    cli_s = fmt_s(cli)
                elif cli_t:
                    cli = cli_calls(mode, key) * cli_t
                    cli_s = "≈ " + fmt_s(cli)
                else:
                    cli, cli_s = None, "–"
                label = describe_label(key) if phase == "apply" else ""
                nreps = str(len(reps)) if phase == "apply" else ""
                p(f"| {label} | {nreps} | {phase} | {fmt_s(ours)} | {fmt_s(floor)} | "
                  f"{fmt_ratio(ours / floor if floor else None)} | {fmt_s(b3)} | {cli_s} | "
                  f"{fmt_ratio(ours / cli if cli else None)} |")
                if key == "perm:100":
                    r = ours / floor
                    targets.append((f"{phase}, 100 per-account grants ≤ 2× floor", fmt_ratio(r), r <= 2))
                if key == "share:2000" and phase == "apply" and cli:
                    r = ours / cli
                    targets.append(("authoritative apply of 2,000 accounts ≤ 0.02× AWS CLI loop"
                                    + ("" if rec["cli_direct"] else " (CLI extrapolated)"),
                                    f"{r:.4f}×", r <= 0.02))
        p("")
        p("### The provider's own cost (median of reps; wait4 of each provider process, through benches/rusage_wrap.c)")
        p("")
        p("CPU = user + system of every provider process the command started; peak RSS = the "
          "largest of them. Calls = what reached the endpoint (counted by the proxy, which pages "
          "`DescribeWorkspaceImagePermissions` at 25): DescribeWorkspaceImagePermissions / "
          "UpdateWorkspaceImagePermission / DescribeWorkspaceImages / STS GetCallerIdentity.")
        p("")
        p("| workflow | command | provider processes | provider CPU | CPU per grant | "
          "Terraform + provider CPU | provider peak RSS | API calls (DescPerm / Update / DescImages / STS) | "
          "refresh target ceil(N/25)+1 per image |")
        p("|---|---|---|---|---|---|---|---|---|")
        for key, rec in wf.items():
            if rec.get("error"):
                continue
            reps = rec["reps"]
            for phase in PHASES:
                ms = [r[f"ours_{phase}"] for r in reps]
                procs = med([m["provider_procs"] for m in ms])
                cpu = med([m["provider_cpu"] for m in ms])
                tcpu = med([m["cpu"] for m in ms])
                rss = med([m["provider_rss_kib"] for m in ms])
                calls = ms[-1]["calls"]
                dp = calls.get("DescribeWorkspaceImagePermissions", 0)
                up = calls.get("UpdateWorkspaceImagePermission", 0)
                di = calls.get("DescribeWorkspaceImages", 0)
                sts = calls.get("GetCallerIdentity", 0)
                other = {k: v for k, v in calls.items() if k not in (
                    "DescribeWorkspaceImagePermissions", "UpdateWorkspaceImagePermission",
                    "DescribeWorkspaceImages", "GetCallerIdentity")}
                calls_s = f"{dp} / {up} / {di} / {sts}" + (f" + {other}" if other else "")
                per_grant = cpu / rec["grants"] if phase != "plan" else None
                tgt = ""
                if phase == "plan":
                    limit = rec["images"] * (math.ceil(rec["n"] / 25) + 1)
                    tgt = f"{dp} ≤ {limit}: {verdict(dp <= limit)}"
                    if key.startswith("share:") and rec["images"] == 1:
                        targets.append((f"refresh of {rec['n']}-account authoritative resource: "
                                        f"describes ≤ ceil(N/25)+1 = {limit}", str(dp), dp <= limit))
                label = describe_label(key) if phase == "apply" else ""
                p(f"| {label} | {phase} | {procs:g} | {fmt_s(cpu)} | "
                  f"{'–' if per_grant is None else f'{per_grant * 1000:.2f} ms'} | {fmt_s(tcpu)} | "
                  f"{mib(rss)} | {calls_s} | {tgt} |")
                if phase == "apply" and key in ("perm:100", "perm:500", "share:2000", "perm:50x20"):
                    targets.append((f"provider CPU ≤ 1 ms per grant: apply {describe_label(key)}",
                                    f"{per_grant * 1000:.2f} ms", per_grant <= 0.001))
                if key == "share:2000" and phase == "apply" and st:
                    hs = st["ours"]["median_rss_kib"]
                    targets.append(("peak RSS in the 2,000-account apply ≤ 2× RSS at handshake",
                                    f"{mib(rss)} = {rss / hs:.2f}× {mib(hs)}", rss <= 2 * hs))
        p("")

    par = res.get("parallelism")
    if par:
        p(f"### Apply at other -parallelism ({describe_label('perm:100')}; median of {args.reps} reps)")
        p("")
        p("| -parallelism | ours apply | floor apply | ours ÷ floor | ours destroy | floor destroy |")
        p("|---|---|---|---|---|---|")
        for k, reps in par.items():
            oa = med([r["ours_apply"]["wall"] for r in reps])
            fa = med([r["floor_apply"]["wall"] for r in reps])
            od = med([r["ours_destroy"]["wall"] for r in reps])
            fd = med([r["floor_destroy"]["wall"] for r in reps])
            p(f"| {k} | {fmt_s(oa)} | {fmt_s(fa)} | {fmt_ratio(oa / fa)} | {fmt_s(od)} | {fmt_s(fd)} |")
        p("")

    if targets:
        p("### Targets (issue 10)")
        p("")
        p("| target | measured | |")
        p("|---|---|---|")
        for name, val, ok in targets:
            p(f"| {name} | {val} | {verdict(ok)} |")
        p("")
    return "\n".join(o)


# ---------------------------------------------------------------- main

def tool_version(cmd, env=None):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except Exception as e:  # a version string is not worth failing the run
        return f"? ({e})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--provider", required=True)
    ap.add_argument("--provider-label", default="")
    ap.add_argument("--go", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--aws", required=True)
    ap.add_argument("--wrap", required=True, help="benches/rusage_wrap.c, compiled")
    ap.add_argument("--terraform", default=shutil.which("terraform"))
    ap.add_argument("--moto-server", default=os.environ.get("TFWS_MOTO_SERVER"))
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", help="startup,workflows,parallelism (--quick: startup,workflows)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int)
    ap.add_argument("--reps-large", type=int,
                    help="reps of workflows with >= 1000 resources (--quick: >= 1000 grants)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--workflows")
    ap.add_argument("--parallelism", default="1,10,50")
    ap.add_argument("--cli-direct-max", type=int)
    ap.add_argument("--cli-sample", type=int)
    ap.add_argument("--json")
    ap.add_argument("--save")
    args = ap.parse_args()
    for a in ("provider", "go", "floor", "aws", "wrap", "terraform", "moto_server", "work"):
        setattr(args, a, os.path.abspath(getattr(args, a)))

    if args.only is None:
        args.only = "startup,workflows" if args.quick else "startup,workflows,parallelism"
    only = set(args.only.split(","))
    unknown = only - {"startup", "workflows", "parallelism"}
    if unknown:
        ap.error(f"unknown section(s) {sorted(unknown)}")
    if args.workflows:
        args.workflows = args.workflows.split(",")
        for k in args.workflows:
            if k not in WORKFLOWS:
                ap.error(f"unknown workflow {k}; known: {', '.join(WORKFLOWS)}")
    else:
        args.workflows = QUICK if args.quick else FULL
    if args.reps is None:
        args.reps = 3
    if args.reps_large is None:
        args.reps_large = min(args.reps, 1)
    if args.cli_direct_max is None:
        args.cli_direct_max = 0 if args.quick else 10
    if args.cli_sample is None:
        args.cli_sample = 6 if args.quick else 20
    args.parallelism = [int(x) for x in args.parallelism.split(",")]

    t_start = time.time()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    res = {"meta": {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine_info(), "load_start": loadavg(),
        "mode": ("quick" if args.quick else "full") + f"; sections {args.only}; "
                f"workflows {','.join(args.workflows)}; reps {args.reps} "
                f"({args.reps_large} for the largest); start-up runs {args.runs}",
        "provider": args.provider_label or args.provider,
        "labels": {"terraform": "Terraform", "go": "Go provider", "aws_cli": "AWS CLI",
                   "boto3": "boto3", "moto": "moto"},
    }}
    meta = res["meta"]
    meta["go"] = ("terraform-provider-workato 0.16.0 (PyPI workato-terraform-provider 0.16.0 "
                  "wheel, linux_amd64; go-plugin v1.7.0, terraform-plugin-framework v1.19.0)")
    if "startup" in only:
        meta["startup_order"] = startup_order(args.provider)
        run_startup(args, res)
    if only & {"workflows", "parallelism"}:
        svc = Services(args.moto_server, args.work)
        try:
            tf = Terraform(args.terraform, args.work, args.provider, args.wrap)
            meta["terraform"] = tf.version()
            meta["aws_cli"] = tool_version([args.aws, "--version"])
            meta["boto3"] = boto3.__version__
            meta["moto"] = tool_version([sys.executable, "-c",
                                         "import moto; print('moto', moto.__version__)"])
            refs = Refs(args.aws, svc.endpoint, args.work)
            if "workflows" in only:
                run_workflows(args, res, svc, tf, refs)
                run_cli_sample(args, res, svc, refs)
                res["cli_call_times"] = refs.cli_call_times
            if "parallelism" in only:
                run_parallelism(args, res, svc, tf)
        finally:
            svc.stop()
    meta["load_end"] = loadavg()
    meta["wall_total"] = time.time() - t_start
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    text = report(args, res)
    print(text)
    if args.save:
        with open(args.save, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
