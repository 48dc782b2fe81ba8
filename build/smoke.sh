#!/usr/bin/env bash
# Smoke-runs a published bot-bottle-sidecar and libbotbottle: help, a fresh database, a proposal
# answered by the operator commands, serve answering /healthz and tools/list, and the library
# through the Python binding. Exits non-zero on any failure.
#
#   build/smoke.sh dist/RID/bot-bottle-sidecar
#
# Outputs are captured before they are searched: a pipe into 'grep -q' under pipefail fails at
# random when grep exits before the writer has finished.
set -euo pipefail
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="$(mktemp -d "${TMPDIR:-/tmp}/bb-smoke.XXXXXX")"
serve_pid=""
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
db="$work/db/bot-bottle.db"
contains() { case "$1" in *"$2"*) return 0 ;; *) echo "smoke: expected '$2' in: $1" >&2; return 1 ;; esac; }

"$bin" --help > /dev/null
"$bin" --db "$db" db migrate > /dev/null
id="$("$bin" --db "$db" propose --slug smoke --tool git-gate --justification "smoke test")"
contains "$("$bin" --db "$db" queue pending)" "$id"
"$bin" --db "$db" queue approve "$id" --notes ok > /dev/null
contains "$("$bin" --db "$db" audit list --json)" '"operator_action":"approved"'
"$bin" --db "$db" db check > /dev/null

"$bin" serve --db "$db" --slug smoke --listen 127.0.0.1:0 --current-config "$work" 2> "$work/serve.log" &
serve_pid=$!
for _ in $(seq 1 100); do grep -q '"listening"' "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
url="$(awk 'match($0, /"addresses":"[^" ]*/) { print substr($0, RSTART + 13, RLENGTH - 13); exit }' "$work/serve.log")"
[ -n "$url" ] || { cat "$work/serve.log" >&2; exit 1; }
"$bin" healthcheck --url "$url/healthz" > /dev/null
contains "$(curl -fsS -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' "$url/mcp")" '"pipelock-block"'
kill -TERM "$serve_pid"
wait "$serve_pid"
serve_pid=""

# The shared library through the Python binding published beside it.
PYTHONPATH="$(dirname "$bin")" python3 - "$db" <<'PY'
import sys, botbottle
with botbottle.Store(sys.argv[1]) as store:
    p = store.write_proposal(botbottle.Proposal("smoke", "git-gate", "", "smoke test"))
    store.write_response(botbottle.Response(p.id, "approved", "ok"))
    assert store.wait_for_response(p.id, timeout=5).status == "approved"
PY
echo "smoke ok: $bin ($(du -h "$bin" | cut -f1))"
