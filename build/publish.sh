#!/usr/bin/env bash
# Publishes, as trimmed NativeAOT (net10.0) for RID, into dist/RID/:
#   bot-bottle-sidecar             the sidecar and operator executable (SQLite; ships in sidecar images)
#   bot-bottle-propose             propose alone, small, for the other sidecars' images (-p:BotBottlePropose=true)
#   bot-bottle-host                the same source with fleet mode's PostgreSQL: host brokers and
#                                  operator commands on a team's database (-p:BotBottleFleet=true)
#   libbotbottle.so (.dylib)       the C ABI shared library, with include/bot_bottle.h (SQLite)
#   libbotbottle-fleet.so (.dylib) the same library with fleet mode's PostgreSQL (-p:BotBottleFleet=true)
#   libe_sqlite3.so (.dylib)       SQLite, loaded by both from their own directory
#   botbottle.py                   the Python binding, which finds libbotbottle beside itself
#
#   build/publish.sh RID
#
# RID: linux-x64, linux-arm64 or osx-arm64. A Linux machine publishes either Linux RID: the other
# architecture is cross-compiled with Debian's clang, lld and that architecture's binutils and libc
# (build/test.sh installs them; the error below names them). osx-arm64 needs a Mac.
# BOTBOTTLE_SOURCE_REVISION, when set, is the commit --version shows (where there is no .git).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: build/publish.sh RID   (linux-x64, linux-arm64 or osx-arm64)" >&2; exit 2; }
[ $# -eq 1 ] || usage
rid="$1"
case "$rid" in linux-x64|linux-arm64|osx-arm64) ;; *) echo "publish.sh: unsupported RID '$rid'" >&2; usage ;; esac

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) host=linux-x64 ;;
  Linux-aarch64|Linux-arm64) host=linux-arm64 ;;
  Darwin-arm64) host=osx-arm64 ;;
  *) host=unknown ;;
esac

extra=()
if [ "$rid" != "$host" ]; then
  case "$host-$rid" in
    linux-x64-linux-arm64) triple=aarch64-linux-gnu; packages="clang lld gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross" ;;
    linux-arm64-linux-x64) triple=x86_64-linux-gnu; packages="clang lld gcc-x86-64-linux-gnu binutils-x86-64-linux-gnu libc6-dev-amd64-cross" ;;
    *) echo "publish.sh: $rid cannot be built on $host (NativeAOT for macOS needs a Mac; Linux needs Linux)" >&2; exit 2 ;;
  esac
  if ! command -v clang > /dev/null || ! command -v "$triple-objcopy" > /dev/null || ! command -v "$triple-gcc" > /dev/null; then
    echo "publish.sh: cross-compiling $rid needs Debian's cross toolchain: apt-get install -y $packages" >&2
    exit 1
  fi
  # The ILCompiler strips with llvm-objcopy if it is installed and with the host's objcopy
  # otherwise, which cannot read a foreign ELF file: name the target's objcopy explicitly.
  extra+=("-p:ObjCopyName=$triple-objcopy")
fi

# Without .git (an image build's context) the commit that --version shows comes from the environment.
if [ -n "${BOTBOTTLE_SOURCE_REVISION:-}" ]; then
  extra+=("-p:SourceRevisionId=$BOTBOTTLE_SOURCE_REVISION")
fi

out="dist/$rid"
rm -rf "$out"
for project in src/BotBottle.Sidecar/BotBottle.Sidecar.csproj src/BotBottle.Native/BotBottle.Native.csproj; do
  dotnet publish "$project" -c Release -r "$rid" -o "$out" -p:DebugType=none -p:StripSymbols=true ${extra[@]+"${extra[@]}"}
done
# The fleet builds and bot-bottle-propose go to their own obj/ and bin/ (see the projects), so no two share outputs.
for project in src/BotBottle.Sidecar/BotBottle.Sidecar.csproj src/BotBottle.Native/BotBottle.Native.csproj; do
  dotnet publish "$project" -c Release -r "$rid" -o "$out" -p:BotBottleFleet=true -p:DebugType=none -p:StripSymbols=true ${extra[@]+"${extra[@]}"}
done
dotnet publish src/BotBottle.Sidecar/BotBottle.Sidecar.csproj -c Release -r "$rid" -o "$out" -p:BotBottlePropose=true -p:DebugType=none -p:StripSymbols=true ${extra[@]+"${extra[@]}"}
rm -f "$out"/*.dbg "$out"/*.json "$out"/*.pdb "$out"/*.xml "$out"/*.dwarf
mkdir -p "$out/include"
cp src/BotBottle.Native/include/bot_bottle.h "$out/include/"
cp src/BotBottle.Native/python/botbottle.py "$out/"
ls -l "$out"
