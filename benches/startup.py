"""Start-up of a Terraform plugin: exec -> handshake line, RSS at handshake.

Each binary is started the way Terraform 1.x starts a provider with
AutoMTLS: TF_PLUGIN_MAGIC_COOKIE, PLUGIN_PROTOCOL_VERSIONS=5,6,
PLUGIN_MIN_PORT/PLUGIN_MAX_PORT, and PLUGIN_CLIENT_CERT holding the PEM of
a fresh self-signed ECDSA P-521 certificate shaped like the one go-plugin's
client generates (CN and DNS name localhost, organisation HashiCorp, CA,
client+server auth). The clock runs from just before the fork to the moment
the first stdout line has been read; then VmRSS is read from
/proc/PID/status, the process is killed and reaped.

The binaries are run interleaved (A B C, B C A, ...) so that machine noise
hits every one alike. Prints JSON: per binary, every run's time and RSS,
their medians, the handshake line's protocol field and the binary's size.

usage: startup.py [--runs N] NAME=PATH [NAME=PATH ...]
"""
import argparse
import datetime
import json
import os
import signal
import statistics
import sys
import time

MAGIC = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def client_cert_pem() -> str:
    """A P-521 self-signed certificate as go-plugin's generateCert makes it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP521R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"),
    ])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(seconds=30))
        .not_valid_after(now + datetime.timedelta(hours=262980))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                          data_encipherment=False, key_agreement=True, key_cert_sign=True,
                          crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH,
                                              ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA512())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def plugin_env(cert_pem: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TF_LOG", "PLUGIN_", "TF_REATTACH"))}
    env.update({
        "TF_PLUGIN_MAGIC_COOKIE": MAGIC,
        "PLUGIN_PROTOCOL_VERSIONS": "5,6",
        "PLUGIN_MIN_PORT": "10000",
        "PLUGIN_MAX_PORT": "25000",
        "PLUGIN_CLIENT_CERT": cert_pem,
    })
    return env


def vm_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def one_start(path: str, env: dict) -> tuple:
    """(seconds exec->handshake, RSS KiB at handshake, handshake line).

    posix_spawn (vfork+exec) and a raw pipe keep the measurer's own share
    small; the floor binary shows what is left of it."""
    r, w = os.pipe()
    devnull = os.open(os.devnull, os.O_RDWR)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, w, 1),
               (os.POSIX_SPAWN_DUP2, devnull, 2), (os.POSIX_SPAWN_CLOSE, r),
               (os.POSIX_SPAWN_CLOSE, w), (os.POSIX_SPAWN_CLOSE, devnull)]
    t0 = time.perf_counter()
    pid = os.posix_spawn(path, [path], env, file_actions=actions)
    os.close(w)
    os.close(devnull)
    buf = b""
    try:
        while b"\n" not in buf:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            buf += chunk
        t1 = time.perf_counter()
        rss = vm_rss_kib(pid)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(r)
    text = buf.split(b"\n", 1)[0].decode(errors="replace").strip()
    if not text.startswith("1|"):
        raise RuntimeError(f"{path}: no handshake line (got {text!r})")
    return t1 - t0, rss, text


def measure(binaries: dict, runs: int) -> dict:
    env = plugin_env(client_cert_pem())
    names = list(binaries)
    out = {n: {"path": binaries[n], "times_s": [], "rss_kib": [],
               "size_bytes": os.path.getsize(binaries[n])} for n in names}
    # One unrecorded warm-up each (page cache, first-exec costs).
    for n in names:
        _, _, line = one_start(binaries[n], env)
        fields = line.split("|")
        out[n]["protocol"] = fields[1]
        out[n]["network"] = fields[2]
        out[n]["auto_mtls"] = len(fields) > 5 and fields[5] != ""
    for i in range(runs):
        order = names[i % len(names):] + names[:i % len(names)]
        for n in order:
            t, rss, _ = one_start(binaries[n], env)
            out[n]["times_s"].append(t)
            out[n]["rss_kib"].append(rss)
    for n in names:
        out[n]["median_s"] = statistics.median(out[n]["times_s"])
        out[n]["median_rss_kib"] = statistics.median(out[n]["rss_kib"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("binary", nargs="+", help="NAME=PATH")
    args = ap.parse_args()
    binaries = dict(b.split("=", 1) for b in args.binary)
    json.dump(measure(binaries, args.runs), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
