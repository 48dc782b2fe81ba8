#!/usr/bin/env bash
# Builds the sidecar image from Dockerfile.sidecars with podman, from files build/publish.sh has
# already published into dist/RID (the Dockerfile's BINARIES=published), on a base image made here
# from Debian's mirror: no registry is needed. Prints the image's name on its last line:
#   localhost/bot-bottle-sidecar:RID
#
#   build/image.sh [RID]        RID: linux-x64 (default) or linux-arm64
#
# BOTBOTTLE_IMAGE_UID / BOTBOTTLE_IMAGE_GID: the user the sidecar runs as (default: yours); it must
# equal the host user who owns the database directory.
#
# The base (Debian bookworm with libssl3, as runtime-deps has) is made once per architecture with
# mmdebstrap and kept as localhost/bot-bottle-base:bookworm-ARCH; `podman rmi` it to make it again.
# A foreign architecture's base is only extracted, not configured (that would need binfmt_misc):
# the final stage runs nothing, so the image is the same. As root this installs podman, runc and
# mmdebstrap when missing; otherwise it prints the apt command. podman runs with
# build/containers.conf unless CONTAINERS_CONF names another.
set -euo pipefail
cd "$(dirname "$0")/.."

rid="${1:-linux-x64}"
case "$rid" in
  linux-x64) arch=amd64 ;;
  linux-arm64) arch=arm64 ;;
  *) echo "image.sh: unsupported RID '$rid' (linux-x64 or linux-arm64)" >&2; exit 2 ;;
esac
dist="dist/$rid"
for file in bot-bottle-sidecar bot-bottle-propose libe_sqlite3.so; do
  [ -e "$dist/$file" ] || { echo "image.sh: $dist/$file is missing; run: bash build/publish.sh $rid" >&2; exit 1; }
done

missing=""
command -v podman > /dev/null || missing="$missing podman"
command -v runc > /dev/null || missing="$missing runc"
command -v mmdebstrap > /dev/null || missing="$missing mmdebstrap"
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null; then
    echo "image.sh: needs Debian packages this user cannot install; run: sudo apt-get install -y$missing" >&2
    exit 1
  fi
  echo "installing$missing" >&2
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get update -qq > /dev/null \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null \
    || { echo "image.sh: apt-get install$missing failed" >&2; exit 1; }
fi
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/build/containers.conf}"

native=amd64
case "$(uname -m)" in aarch64|arm64) native=arm64 ;; esac
base="localhost/bot-bottle-base:bookworm-$arch"
work="$(mktemp -d "${TMPDIR:-/tmp}/bb-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if ! podman image exists "$base"; then
  start=$SECONDS
  if [ "$arch" = "$native" ]; then
    variant=(--variant=minbase --include=libssl3,ca-certificates)
  else
    variant=(--variant=extract --include=libc6,libssl3,ca-certificates)
  fi
  # Off Debian (an Ubuntu runner) the host's apt knows neither Debian's mirror nor its keys.
  keyring=() mirror=()
  if ! grep -qx 'ID=debian' /etc/os-release 2> /dev/null; then
    debian_keys=/usr/share/keyrings/debian-archive-keyring.gpg
    if [ ! -e "$debian_keys" ] && [ "$(id -u)" -eq 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debian-archive-keyring > /dev/null || true
    fi
    [ -e "$debian_keys" ] || { echo "image.sh: making a Debian base here needs Debian's keys: apt-get install -y debian-archive-keyring" >&2; exit 1; }
    keyring=(--keyring="$debian_keys") mirror=(http://deb.debian.org/debian)
  fi
  mmdebstrap --quiet --architectures="$arch" "${variant[@]}" ${keyring[@]+"${keyring[@]}"} bookworm "$work/rootfs.tar" ${mirror[@]+"${mirror[@]}"} > "$work/mmdebstrap.log" 2>&1 \
    || { cat "$work/mmdebstrap.log" >&2; echo "image.sh: mmdebstrap of the $arch base failed" >&2; exit 1; }
  podman import --arch "$arch" "$work/rootfs.tar" "$base" > /dev/null
  rm -f "$work/rootfs.tar"
  echo "made the base $base in $((SECONDS - start)) s" >&2
fi

# The build context holds only what the published stage copies: the layout the build stage makes.
context="$work/context"
mkdir -p "$context/out/bin" "$context/out/run/supervise" "$context/out/etc/bot-bottle/current-config"
cp "$dist/bot-bottle-sidecar" "$dist/bot-bottle-propose" "$dist/libe_sqlite3.so" "$context/out/bin/"

image="localhost/bot-bottle-sidecar:$rid"
start=$SECONDS
# --format docker: the OCI format drops HEALTHCHECK. --no-cache: the layer cache once kept USER 0:0
# after the UID build argument changed.
podman build --quiet --format docker --no-cache --arch "$arch" -f Dockerfile.sidecars \
  --build-arg BINARIES=published --build-arg RUNTIME_IMAGE="$base" --build-arg TARGETARCH="$arch" --build-arg BUILDARCH="$native" \
  --build-arg UID="${BOTBOTTLE_IMAGE_UID:-$(id -u)}" --build-arg GID="${BOTBOTTLE_IMAGE_GID:-$(id -g)}" \
  -t "$image" "$context" > /dev/null
podman image prune -f > /dev/null
echo "built $image in $((SECONDS - start)) s: $(podman image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1000000 }')" >&2
echo "$image"
