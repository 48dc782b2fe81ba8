#!/usr/bin/env bash
# The main job on a development machine: the supervise sidecar serving one bottle on the host's
# default database (~/.bot-bottle/db/bot-bottle.db), created and migrated first. Needs only the
# .NET SDK. In a bottle, the image runs `bot-bottle-sidecar serve --slug SLUG` instead, on the
# mounted /run/supervise/bot-bottle.db.
#
#   build/serve-local.sh [SLUG] [extra serve options...]
set -euo pipefail
cd "$(dirname "$0")/.."
slug="${1:-demo}"
[ $# -gt 0 ] && shift
sidecar=(dotnet run --project src/BotBottle.Sidecar -f net10.0 -c Release --)
db="$HOME/.bot-bottle/db/bot-bottle.db"

dotnet build src/BotBottle.Sidecar -f net10.0 -c Release > /dev/null
"${sidecar[@]}" db migrate
echo "serving bottle '$slug' on http://127.0.0.1:9100/mcp (database $db); Ctrl+C stops" >&2
exec "${sidecar[@]}" serve --slug "$slug" --db "$db" --listen 127.0.0.1:9100 "$@"
