#!/usr/bin/env bash
# Runs every benchmark and writes build/BENCHMARKS.md (the machine, the method, the commands, the table).
#
#   bash build/bench.sh                 # everything, about 25 minutes
#   BENCH_QUICK=1 bash build/bench.sh   # fewer rounds, for checking the script itself
#
# In-process figures come from BenchmarkDotNet (tests/BotBottle.Benchmarks); whole-process and
# cross-process ones from the same program's other verbs and build/bench/*.py. Each peer runs in
# the same session as the figure it is compared with, so ratios are like for like.
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/bench
rm -rf "$out" && mkdir -p "$out"
quick="${BENCH_QUICK:-}"
rounds=$([ -n "$quick" ] && echo 60 || echo 400)
late_rounds=$([ -n "$quick" ] && echo 20 || echo 100)
py_rounds=$([ -n "$quick" ] && echo 6 || echo 30)
seconds=$([ -n "$quick" ] && echo 3 || echo 10)
process_runs=$([ -n "$quick" ] && echo 10 || echo 40)

command -v sqlite3 >/dev/null || { command -v apt-get >/dev/null && apt-get install -y -qq sqlite3 >/dev/null 2>&1 || echo "sqlite3 shell not available: its column is left out" >&2; }

echo "== publishing the NativeAOT sidecar (net10.0, linux-x64)"
bash build/publish.sh linux-x64 >/dev/null
binary=dist/linux-x64/bot-bottle-sidecar

echo "== building the benchmarks"
dotnet build tests/BotBottle.Benchmarks -c Release -v q -nologo >/dev/null
bench=(dotnet tests/BotBottle.Benchmarks/bin/Release/net10.0/BotBottle.Benchmarks.dll)

echo "== in-process: generated mappers vs hand-written vs Dapper; ListPendingProposals (BenchmarkDotNet)"
bdn_args=(--filter '*' --exporters json --artifacts "$out/bdn")
"${bench[@]}" inproc "${bdn_args[@]}" > "$out/bdn.log"
echo "== mapper ratios, interleaved round by round"
"${bench[@]}" mapper-ratio "$out/mapper-ratio.json" "$([ -n "$quick" ] && echo 50 || echo 300)"

echo "== wake latency: another process commits, WaitForResponseAsync returns ($rounds rounds)"
"${bench[@]}" wake "$out/wake.json" "$rounds"
"${bench[@]}" wake "$out/wake-late.json" "$late_rounds" --late
db_dir=$(mktemp -d)
"$binary" --db "$db_dir/bot-bottle.db" db migrate >/dev/null
python3 build/bench/peers.py wake "$db_dir/bot-bottle.db" "$py_rounds" "$out/wake-python.json" -- "${bench[@]}" answer-loop "$db_dir/bot-bottle.db"

echo "== idle CPU: 64 waiters, then none (${seconds} s windows)"
"${bench[@]}" idle-cpu "$out/idle.json" 64 "$seconds"
python3 build/bench/peers.py idle-cpu "$db_dir/bot-bottle.db" 64 "$seconds" "$out/idle-python.json"
rm -rf "$db_dir"

echo "== waiting processes: idle CPU of 1, 16 and 64 propose --wait (${seconds} s), then answer -> exit ($process_runs rounds)"
python3 build/bench/waits.py dist/linux-x64 "$out/waits.json" "$seconds" "$process_runs" 1 16 64

# Publishes the sidecar with extra MSBuild properties into $out/NAME, from a copy of the sources so
# this checkout's restore and build state are untouched.
publish_variant() {
  local name="$1" variant_src
  shift
  variant_src=$(mktemp -d)
  tar --exclude=bin --exclude=obj -cf - src migrations Directory.Build.props Directory.Packages.props global.json | tar -xf - -C "$variant_src"
  dotnet publish "$variant_src/src/BotBottle.Sidecar/BotBottle.Sidecar.csproj" -c Release -r linux-x64 "$@" \
    -o "$out/$name" -p:DebugType=none -p:StripSymbols=true > "$out/$name.log" 2>&1 \
    || { cat "$out/$name.log" >&2; exit 1; }
  rm -rf "$variant_src"
}

echo "== whole processes: serve cold start and RSS; propose vs Python vs the sqlite3 shell ($process_runs runs)"
python3 build/bench/process.py "$binary" "$out/process.json" "$process_runs"

echo "== where propose's time goes: start-up ladder, with and without the start-up prefault, with IlcDehydrate=false, and bot-bottle-propose ($process_runs rounds)"
publish_variant no-prefault -p:StartupPrefault=false
publish_variant no-dehydrate -p:IlcDehydrate=false
python3 build/bench/startup.py "$out/startup.json" "$process_runs" "$binary" \
  "no-prefault=$out/no-prefault/bot-bottle-sidecar" "no-dehydrate=$out/no-dehydrate/bot-bottle-sidecar" \
  "bot-bottle-propose=dist/linux-x64/bot-bottle-propose"

echo "== the dashboard: the queue page with 1,000 pending proposals across 50 bottles ($py_rounds rounds)"
python3 build/bench/dashboard.py dist/linux-x64 "$out/dashboard.json" "$py_rounds" > /dev/null

echo "== serve under 32 concurrent tools/list clients (${seconds} s)"
serve_dir=$(mktemp -d)
"$binary" --db "$serve_dir/bot-bottle.db" db migrate >/dev/null
"$binary" serve --db "$serve_dir/bot-bottle.db" --slug bench --listen 127.0.0.1:0 --current-config "$serve_dir" 2> "$serve_dir/log" &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true; rm -rf "$serve_dir"' EXIT
for _ in $(seq 100); do grep -q '"listening"' "$serve_dir/log" 2>/dev/null && break; sleep 0.05; done
url=$(awk 'match($0, /"addresses":"[^" ]*/) { print substr($0, RSTART + 13, RLENGTH - 13); exit }' "$serve_dir/log")/mcp
"${bench[@]}" serve-load "$out/serve-load.json" "$url" 32 "$seconds"
kill -TERM $serve_pid; wait $serve_pid || true

echo "== tools/list while 500 tool calls wait, over 100,000 rows, with the operator answering other bottles (${seconds} s)"
"${bench[@]}" waits-under-load "$out/waits-under-load.json" "$binary" 500 "$seconds"

echo "== the MCP transport: ours against ModelContextProtocol.AspNetCore's MapMcp, same tools ($process_runs rounds)"
publish_variant sdk-transport -p:McpTransport=Sdk
python3 build/bench/transport.py "$binary" "$out/sdk-transport/bot-bottle-sidecar" "$out/transport.json" "$process_runs"
# What users rely on: the end-to-end suite, which ours passes, run against the SDK build; failures are listed in the report.
[ -d tests/BotBottle.Sidecar.Tests/mcp-client/node_modules ] \
  || npm ci --prefix tests/BotBottle.Sidecar.Tests/mcp-client --no-audit --no-fund --loglevel=error > /dev/null
BOTBOTTLE_SIDECAR_BIN="$PWD/$out/sdk-transport/bot-bottle-sidecar" dotnet test tests/BotBottle.Sidecar.Tests -c Release \
  --filter 'Category!=Fuzz&Category!=MixedArch' --logger 'trx;LogFileName=sdk-e2e.trx' --results-directory "$out/sdk-e2e" \
  > "$out/sdk-e2e.log" 2>&1 || true
for variant in ours sdk; do
  variant_bin=$binary; [ "$variant" = sdk ] && variant_bin="$out/sdk-transport/bot-bottle-sidecar"
  variant_dir=$(mktemp -d)
  "$variant_bin" --db "$variant_dir/bot-bottle.db" db migrate > /dev/null
  "$variant_bin" serve --db "$variant_dir/bot-bottle.db" --slug bench --listen 127.0.0.1:0 --current-config "$variant_dir" 2> "$variant_dir/log" &
  variant_pid=$!
  for _ in $(seq 100); do grep -q '"listening"' "$variant_dir/log" 2>/dev/null && break; sleep 0.05; done
  variant_url=$(awk 'match($0, /"addresses":"[^" ]*/) { print substr($0, RSTART + 13, RLENGTH - 13); exit }' "$variant_dir/log")/mcp
  "${bench[@]}" serve-load "$out/serve-load-$variant.json" "$variant_url" 32 "$seconds"
  kill -TERM $variant_pid; wait $variant_pid || true
  rm -rf "$variant_dir"
done

echo "== fleet mode: the same broker on SQLite and on PostgreSQL 15 (propose, wake, 100 bottles)"
python3 build/bench/fleet.py dist/linux-x64 "$out/fleet.json" "$([ -n "$quick" ] && echo 10 || echo 60)" "$([ -n "$quick" ] && echo 12 || echo 100)" > /dev/null

echo "== floods against the broker and serve, with a real client working meanwhile"
BOTBOTTLE_DIST="$PWD/dist/linux-x64" dotnet test tests/BotBottle.Sidecar.Tests -c Release --filter 'FullyQualifiedName~FloodTests' \
  --logger 'console;verbosity=detailed' > "$out/floods.log" 2>&1 || true

echo "== the image: podman run to the first healthy answer"
if [ "$(id -u)" -eq 0 ]; then
  image="$(BOTBOTTLE_IMAGE_UID=1000 BOTBOTTLE_IMAGE_GID=1000 bash build/image.sh linux-x64 2> /dev/null | tail -n 1)"
  python3 build/bench/image_start.py "$image" "$binary" "$out/image-start.json" "$([ -n "$quick" ] && echo 5 || echo 20)" > /dev/null
else
  echo "   not measured: podman runs the image as root here (build/image.sh)"
fi

echo "== writing build/BENCHMARKS.md"
python3 build/bench/report.py "$out" build/BENCHMARKS.md
echo "done: build/BENCHMARKS.md"
