#!/usr/bin/env bash
# Builds the release binary and writes what a provider release consists of,
# in the Terraform Registry's layout, into target/dist/:
#   terraform-provider-workspaces_<version>_linux_amd64.zip  (holds terraform-provider-workspaces_v<version>)
#   terraform-provider-workspaces_<version>_SHA256SUMS
#   terraform-provider-workspaces_<version>_manifest.json    (metadata.protocol_versions: 6.0, 5.0)
#
# usage: bash scripts/release.sh [VERSION] [--binary PATH] [--out DIR]
#   VERSION   defaults to Cargo.toml's; it must equal it, as the binary
#             reports that version.
#   --binary  package this binary instead of building one (the tests use it
#             to package the debug build without a release build).
#   --out     write somewhere other than target/dist.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

name=terraform-provider-workspaces
cargo_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml)
cargo_version=${cargo_version%%$'\n'*}
version=""
binary=""
out="$repo/target/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "release.sh: unknown option $1" >&2; exit 2 ;;
    *) version=$1; shift ;;
  esac
done
version=${version:-$cargo_version}
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "release.sh: \"$version\" is not a semantic version (such as 1.2.3)" >&2
  exit 2
fi
if [ "$version" != "$cargo_version" ]; then
  echo "release.sh: version $version differs from Cargo.toml's $cargo_version; set it there first" >&2
  exit 2
fi

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) platform=linux_amd64 ;;
  Linux/aarch64) platform=linux_arm64 ;;
  *) echo "release.sh: unsupported build platform $(uname -s)/$(uname -m)" >&2; exit 2 ;;
esac

if [ -z "$binary" ]; then
  echo "== cargo build --release"
  cargo build --release --locked --bin "$name"
  binary="$repo/target/release/$name"
fi
if [ ! -x "$binary" ]; then
  echo "release.sh: $binary is not an executable" >&2
  exit 2
fi

mkdir -p "$out"
zip_name="${name}_${version}_${platform}.zip"
sums_name="${name}_${version}_SHA256SUMS"
manifest_name="${name}_${version}_manifest.json"
rm -f "$out/$zip_name" "$out/$sums_name" "$out/$manifest_name"

# The zip holds one executable file, stored with its mode so Terraform's
# installer extracts it executable, and with a fixed timestamp so the same
# binary always gives the same zip (and the same zh: hash).
python3 - "$binary" "$out/$zip_name" "${name}_v${version}" <<'PY'
import sys, zipfile
src, dest, inner = sys.argv[1:]
info = zipfile.ZipInfo(inner, date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = (0o100755 << 16)
info.compress_type = zipfile.ZIP_DEFLATED
info.create_system = 3  # Unix, so the mode above is honoured
with open(src, "rb") as f, zipfile.ZipFile(dest, "w") as z:
    z.writestr(info, f.read(), compresslevel=9)
PY

# The protocol versions come from the binary itself, so the manifest cannot
# disagree with what it serves.
version_text=$("$binary" --version)
protocols=$(sed -n 's/^plugin protocol versions: //p' <<<"$version_text")
if [ -z "$protocols" ]; then
  echo "release.sh: $binary --version names no protocol versions:" >&2
  echo "$version_text" >&2
  exit 1
fi
if [[ $'\n'"$version_text"$'\n' != *$'\n'"$name v$version"$'\n'* ]]; then
  echo "release.sh: $binary reports another version:" >&2
  echo "$version_text" >&2
  exit 1
fi
IFS=', ' read -r -a protocol_list <<<"$protocols"
protocols_json=$(printf '"%s", ' "${protocol_list[@]}")
protocols_json=${protocols_json%, }
cat > "$out/$manifest_name" <<JSON
{
  "version": 1,
  "metadata": {
    "protocol_versions": [$protocols_json]
  }
}
JSON

(cd "$out" && sha256sum "$zip_name" "$manifest_name" > "$sums_name")

echo "wrote $out:"
for f in "$zip_name" "$sums_name" "$manifest_name"; do
  echo "  $f ($(wc -c < "$out/$f") bytes)"
done
