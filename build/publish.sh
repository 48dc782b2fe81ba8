#!/usr/bin/env bash
# Publishes, as trimmed NativeAOT for RID, into dist/RID/:
#   bot-bottle-sidecar             the sidecar and operator executable
#   libbotbottle.so (.dylib)       the C ABI shared library, with include/bot_bottle.h
#   libe_sqlite3.so (.dylib)       SQLite, loaded by both from their own directory
#   botbottle.py                   the Python binding, which finds libbotbottle beside itself
#
#   build/publish.sh RID [--framework TFM]
#
# RID: linux-x64, linux-arm64 or osx-arm64 (NativeAOT builds on a machine of the same OS and
# architecture). TFM defaults to net10.0, which needs the package source to serve
# Microsoft.NETCore.App.Runtime.NativeAOT.<RID>; where it does not (this project's CI), pass
# --framework net9.0. Nothing falls back silently: a missing pack fails the publish.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: build/publish.sh RID [--framework TFM]" >&2; exit 2; }
[ $# -ge 1 ] || usage
rid="$1"; shift
framework="net10.0"
while [ $# -gt 0 ]; do
  case "$1" in
    --framework) [ $# -ge 2 ] || usage; framework="$2"; shift 2 ;;
    --framework=*) framework="${1#--framework=}"; shift ;;
    *) usage ;;
  esac
done
case "$rid" in linux-x64|linux-arm64|osx-arm64) ;; *) echo "publish.sh: unsupported RID '$rid'" >&2; exit 2 ;; esac
case "$framework" in net10.0|net9.0) ;; *) echo "publish.sh: unsupported framework '$framework'" >&2; exit 2 ;; esac

out="dist/$rid"
rm -rf "$out"
for project in src/BotBottle.Sidecar/BotBottle.Sidecar.csproj src/BotBottle.Native/BotBottle.Native.csproj; do
  # PublishFramework narrows the product projects to the one framework being published, so restore
  # asks only for that framework's packs (Directory.Build.props).
  dotnet publish "$project" \
    -c Release -r "$rid" -f "$framework" -p:PublishFramework="$framework" \
    -o "$out" -p:DebugType=none -p:StripSymbols=true
done
rm -f "$out"/*.dbg "$out"/*.json "$out"/*.pdb "$out"/*.xml "$out"/*.dwarf
mkdir -p "$out/include"
cp src/BotBottle.Native/include/bot_bottle.h "$out/include/"
cp src/BotBottle.Native/python/botbottle.py "$out/"
ls -l "$out"
