#!/usr/bin/env bash
# Runs every test suite and ends with the totals line CI reads:
#   N passed, N failed[, N skipped]
#
# On a linux-x64 machine it publishes both Linux builds: linux-x64 natively, and linux-arm64
# cross-compiled and run under QEMU user-mode emulation (the sidecars of Apple-silicon Macs are
# linux-arm64). Every suite runs against linux-x64; the end-to-end sidecar suite (all but the
# 10,000-case fuzzers) runs again against linux-arm64, together with the mixed-architecture tests
# (an arm64 sidecar with an x64 host, and the reverse; the arm64 library from a C program). As
# root it installs the Debian packages this needs (the cross toolchain, QEMU, tmux for the interactive
# commands, jq for the README's Inspector recipe, chromium for the dashboard's browser test) when they are missing; otherwise it prints the
# one apt command to run. As root it also builds the sidecar image of each architecture with podman
# (build/image.sh) and runs the container suite against it; without root it says it leaves that out.
# Last, the Python binding's suite (from the source tree, then from the installed wheel) and the MCP
# conformance suite's server scenarios (tests/conformance/run.py). Extra arguments go to every `dotnet test` (for example --filter).
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

results="$(mktemp -d "${TMPDIR:-/tmp}/bb-test-results.XXXXXX")"
trap 'rm -rf "$results"' EXIT
give_up() { echo "build/test.sh: $1" >&2; echo "0 passed, 1 failed"; exit 1; }

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) native=linux-x64; emulated=linux-arm64 ;;
  Linux-aarch64|Linux-arm64) native=linux-arm64; emulated="" ;;
  Darwin-arm64) native=osx-arm64; emulated="" ;;
  *) give_up "no NativeAOT target for $(uname -s)-$(uname -m)" ;;
esac

cross_packages="clang lld gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static"
libssl_dir="${XDG_CACHE_HOME:-$HOME/.cache}/bot-bottle/arm64-libssl3"
libssl_lib="$libssl_dir/usr/lib/aarch64-linux-gnu"

apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get > /dev/null; then
    give_up "the tests need Debian packages this user cannot install; run: sudo apt-get install -y $*"
  fi
  echo "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq > /dev/null \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" > /dev/null \
    || give_up "apt-get install $* failed"
}

# The cross toolchain and QEMU, unless every piece is already there.
ensure_cross_toolchain() {
  local missing=0 tool
  for tool in clang ld.lld aarch64-linux-gnu-gcc aarch64-linux-gnu-objcopy qemu-aarch64-static; do
    command -v "$tool" > /dev/null || missing=1
  done
  [ -e /usr/aarch64-linux-gnu/lib/libc.so.6 ] || missing=1
  if [ "$missing" -eq 1 ]; then
    # shellcheck disable=SC2086
    apt_install $cross_packages
  fi
}

# .NET hashes through OpenSSL and the cross sysroot has none. Installing libssl3:arm64 through
# multiarch would replace the host's own libssl, so its package is only downloaded and unpacked
# into a private directory that the emulated binaries are pointed at.
ensure_arm64_libssl() {
  [ -e "$libssl_lib/libssl.so.3" ] && return 0
  [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null \
    || give_up "linux-arm64 needs an aarch64 libssl3 in $libssl_dir; as root this script downloads it (apt-get download libssl3:arm64, then dpkg -x)"
  local foreign added="" download
  foreign=" $(dpkg --print-foreign-architectures | tr '\n' ' ') "
  case "$foreign" in *" arm64 "*) ;; *) dpkg --add-architecture arm64; added=1 ;; esac
  download="$(mktemp -d)"
  chmod 777 "$download"
  echo "downloading libssl3:arm64 into $libssl_dir"
  apt-get update -qq > /dev/null && (cd "$download" && apt-get download -qq libssl3:arm64 > /dev/null 2>&1)
  local deb
  deb="$(ls "$download"/libssl3_*_arm64.deb 2> /dev/null)"
  [ -n "$added" ] && dpkg --remove-architecture arm64 && apt-get update -qq > /dev/null
  [ -n "$deb" ] || give_up "apt-get download libssl3:arm64 failed"
  mkdir -p "$libssl_dir" && dpkg -x "$deb" "$libssl_dir"
  rm -rf "$download"
  [ -e "$libssl_lib/libssl.so.3" ] || give_up "libssl3:arm64 unpacked without $libssl_lib/libssl.so.3"
}

# The operator's interactive commands are tested in a real terminal, driven by tmux.
command -v tmux > /dev/null || apt_install tmux
# The README's Inspector recipe quotes a file as a JSON string with jq.
command -v jq > /dev/null || apt_install jq
# The dashboard's browser test drives Debian's Chromium (puppeteer-core never downloads one).
[ -x /usr/bin/chromium ] || apt_install chromium

# Fleet mode's tests run against a real PostgreSQL 15 cluster of their own, started here as an
# unprivileged user in a temporary directory and stopped on exit.
if ! bash build/postgres.sh probe > /dev/null 2>&1; then
  apt_install postgresql-15
fi
postgres_dir="$(mktemp -d "${TMPDIR:-/tmp}/bb-test-postgres.XXXXXX")"
# Below the ephemeral ports (32768 up) that listeners on port 0 get; FleetScenarioTests keeps to 30000-32767.
postgres_port=$((20000 + RANDOM % 10000))
BOTBOTTLE_TEST_POSTGRES="$(bash build/postgres.sh start "$postgres_dir" "$postgres_port")" \
  || give_up "could not start a PostgreSQL cluster (build/postgres.sh start $postgres_dir $postgres_port)"
export BOTBOTTLE_TEST_POSTGRES
trap 'bash build/postgres.sh stop "$postgres_dir"; rm -rf "$results" "$postgres_dir"' EXIT
echo "PostgreSQL $(psql -tA "host=127.0.0.1 port=$postgres_port user=bb dbname=postgres" -c 'SHOW server_version' 2> /dev/null) on 127.0.0.1:$postgres_port for the fleet tests"

if [ -n "$emulated" ]; then
  ensure_cross_toolchain
  ensure_arm64_libssl
fi

for rid in "$native" $emulated; do
  start=$SECONDS
  bash build/publish.sh "$rid" > "$results/publish-$rid.log" 2>&1 || { cat "$results/publish-$rid.log" >&2; give_up "build/publish.sh $rid failed"; }
  echo "published $rid in $((SECONDS - start)) s: bot-bottle-sidecar $(du -h "dist/$rid/bot-bottle-sidecar" | cut -f1), bot-bottle-propose $(du -h "dist/$rid/bot-bottle-propose" | cut -f1), libbotbottle $(du -h dist/$rid/libbotbottle.* | cut -f1), bot-bottle-host $(du -h "dist/$rid/bot-bottle-host" | cut -f1), libbotbottle-fleet $(du -h dist/$rid/libbotbottle-fleet.* | cut -f1)"
done

# The Python wheels, one per platform (build/wheel.py checks each library's architecture and the
# glibc it needs against the wheel's tag). The arm64 wheel's library is what the emulated
# mixed-architecture C program loads below; the native wheel is installed and tested after the suites.
for rid in "$native" $emulated; do
  python3 build/wheel.py "dist/$rid" "$results/wheels" > "$results/wheel-$rid.txt" 2>&1 \
    || { cat "$results/wheel-$rid.txt" >&2; give_up "build/wheel.py dist/$rid failed"; }
  echo "wheel: $(basename "$(tail -n 1 "$results/wheel-$rid.txt")") ($(du -h "$(tail -n 1 "$results/wheel-$rid.txt")" | cut -f1))"
done
if [ -n "$emulated" ]; then
  arm64_wheel_dir="$results/wheel-$emulated"
  python3 -m zipfile -e "$(tail -n 1 "$results/wheel-$emulated.txt")" "$arm64_wheel_dir"
  export BOTBOTTLE_ARM64_LIBRARY_DIR="$arm64_wheel_dir/botbottle"
fi

npm ci --prefix tests/BotBottle.Sidecar.Tests/mcp-client --no-audit --no-fund --loglevel=error \
  || give_up "npm ci for the TypeScript MCP client failed"
# The MCP conformance suite, pinned, with the Node 22 it needs from npm's node package.
npm ci --prefix tests/conformance --no-audit --no-fund --loglevel=error \
  || give_up "npm ci for the MCP conformance suite failed"

# The container suite runs the image Dockerfile.sidecars makes from what was just published, with
# podman as root (build/image.sh installs it), as a host user who is not root: uid 1000. A linux-x64
# machine also builds the linux-arm64 image; with no binfmt_misc podman cannot start it, so the suite
# runs its binary under QEMU against the image's own root filesystem instead.
container_filter=""
if [ "$(id -u)" -eq 0 ]; then
  export BOTBOTTLE_IMAGE_UID=1000 BOTBOTTLE_IMAGE_GID=1000
  export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/build/containers.conf}"
  for rid in "$native" $emulated; do
    start=$SECONDS
    image="$(bash build/image.sh "$rid" 2> "$results/image-$rid.log" | tail -n 1)" \
      || { cat "$results/image-$rid.log" >&2; give_up "build/image.sh $rid failed"; }
    echo "built $image in $((SECONDS - start)) s ($(grep -h '^built' "$results/image-$rid.log" | sed 's/.*: //'))"
    [ "$rid" = "$native" ] && export BOTBOTTLE_IMAGE="$image"
    [ "$rid" = linux-arm64 ] && export BOTBOTTLE_IMAGE_ARM64="$image"
  done
  if [ -z "${BOTBOTTLE_IMAGE_ARM64:-}" ]; then
    # A native arm64 machine: the whole container suite ran the arm64 image itself.
    container_filter="&FullyQualifiedName!~ContainerTests.The_arm64_image"
    echo "not run: the emulated arm64 image test (the image under test is already linux-arm64)"
  fi
else
  container_filter="&Category!=Container"
  echo "not run: the container suite (podman as root builds and runs the image; run build/test.sh as root)"
fi

# The flood tests hold a few thousand sockets in one process (and the server under test as many).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 8192 ] \
  || give_up "the open-file limit is $(ulimit -n); the flood tests need 8192 (raise the hard limit: ulimit -Hn)"

# Sums a run's trx files into passed/failed/skipped and prints why each skipped test was skipped.
passed=0 failed=0 skipped=0
count() {
  local dir="$1" label="$2" p=0 f=0 s=0 trx counters value
  for trx in "$dir"/*.trx; do
    [ -e "$trx" ] || continue
    counters="$(awk 'match($0, /<Counters [^>]*>/) { print substr($0, RSTART, RLENGTH); exit }' "$trx")"
    attr() { value="$(printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p")"; printf '%s' "${value:-0}"; }
    p=$((p + $(attr passed))); f=$((f + $(attr failed))); s=$((s + $(attr total) - $(attr executed)))
    python3 - "$trx" <<'PY'
import sys, xml.etree.ElementTree as tree
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for result in tree.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult[@outcome='NotExecuted']", ns):
    reason = result.find("t:Output/t:ErrorInfo/t:Message", ns)
    print(f"skipped: {result.get('testName')}: {reason.text.strip() if reason is not None and reason.text else 'no reason given'}")
PY
  done
  echo "$label: $p passed, $f failed, $s skipped"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

status=0
run_tests() {
  local dir="$1"; shift
  dotnet test "$@" -c Release --logger "trx" --logger "console;verbosity=normal" --results-directory "$dir" > "$dir.log" 2>&1
  local code=$?
  grep -vE '^\s+Passed ' "$dir.log"
  return $code
}

echo "== $native: every suite"
export BOTBOTTLE_DIST="$PWD/dist/$native" BOTBOTTLE_SIDECAR_BIN="$PWD/dist/$native/bot-bottle-sidecar" BOTBOTTLE_ARCH="$native"
run_tests "$results/$native" BotBottle.Sidecar.sln --filter "Category!=MixedArch$container_filter" "$@" || status=1
count "$results/$native" "$native (native)"

if [ -n "$emulated" ]; then
  echo "== $emulated under QEMU: the end-to-end sidecar suite and the mixed-architecture tests"
  echo "   (not the load tests: they hold latency bars that an emulated binary cannot meet; they ran on $native above;"
  echo "   not the container suite: podman runs only the native image here, and the arm64 image's test ran above)"
  started=$SECONDS
  BOTBOTTLE_SIDECAR_BIN="$PWD/dist/$emulated/bot-bottle-sidecar" \
  BOTBOTTLE_SIDECAR_LAUNCHER="qemu-aarch64-static -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=$libssl_lib" \
  BOTBOTTLE_HOST_BIN="$PWD/dist/$native/bot-bottle-sidecar" \
  BOTBOTTLE_ARCH="$emulated" \
    run_tests "$results/$emulated" tests/BotBottle.Sidecar.Tests --no-build --filter "Category!=Fuzz&Category!=Load&Category!=Container" "$@" || status=1
  count "$results/$emulated" "$emulated (QEMU, $((SECONDS - started)) s)"
fi

# Runs the Python suite with PYTHON (and any VAR=value before it) and adds its counts.
python_suite() {
  local label="$1" log="$2"; shift 2
  env "$@" tests/BotBottle.Native.Tests/python/run_tests.py > "$log" 2>&1
  local code=$? totals
  grep -E '(FAIL|ERROR):|^skipped:|^Ran ' "$log"
  totals="$(awk '/^PYTHON_TOTALS/ { line = $0 } END { print line }' "$log")"
  if [ -z "$totals" ]; then
    cat "$log" >&2
    failed=$((failed + 1))
  else
    py() { printf '%s' "$totals" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
    echo "$label: $(py passed) passed, $(py failed) failed, $(py skipped) skipped"
    passed=$((passed + $(py passed)))
    failed=$((failed + $(py failed)))
    skipped=$((skipped + $(py skipped)))
    [ "$code" -eq 0 ] || sed -n '/^=====/,$p' "$log" >&2
  fi
  [ "$code" -eq 0 ] || status=1
}

# The Python binding's suite, against the native libbotbottle beside botbottle.py.
python_suite "python binding ($native)" "$results/python.log" python3

# The same suite against the wheel as a Python host installs it: a fresh virtual environment, pip
# with no index (nothing from the network), and the installed package imported, not the source.
venv="$results/venv"
if python3 -m venv "$venv" > "$results/venv.log" 2>&1 \
  && "$venv/bin/pip" install --no-index --no-deps --quiet "$(tail -n 1 "$results/wheel-$native.txt")" >> "$results/venv.log" 2>&1; then
  python_suite "python wheel, installed ($native)" "$results/python-wheel.log" BOTBOTTLE_PYTHON_INSTALLED=1 "$venv/bin/python"
else
  cat "$results/venv.log" >&2
  echo "the wheel did not install into a fresh virtual environment" >&2
  failed=$((failed + 1)); status=1
fi

# The MCP conformance suite's server scenarios against the native serve: each scenario that applies
# counts as a test; those that need what serve does not offer are listed with why (tests/conformance).
python3 tests/conformance/run.py "dist/$native/bot-bottle-sidecar" > "$results/conformance.log" 2>&1
conformance_code=$?
cat "$results/conformance.log"
conformance="$(sed -n 's/^conformance: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$results/conformance.log")"
if [ -n "$conformance" ]; then
  passed=$((passed + ${conformance% *})); failed=$((failed + ${conformance#* }))
else
  failed=$((failed + 1))
fi
[ "$conformance_code" -eq 0 ] || status=1

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # dotnet test failed before or outside any test (build error, crashed host): count it.
  failed=1
  echo "dotnet test exited non-zero without a failed test result; counting it as a failure" >&2
fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
