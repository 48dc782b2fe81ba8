#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks:
#   build/postgres.sh start DIR PORT   initdb into DIR (once), start it on 127.0.0.1:PORT, print its
#                                      connection string (superuser "bb", trust auth, loopback only)
#   build/postgres.sh stop DIR         stop it (fast shutdown)
#   build/postgres.sh probe            exit 0 when initdb and pg_ctl are installed
# As root it runs the server as the "postgres" user (PostgreSQL refuses to run as root).
set -euo pipefail
command_name="${1:-}" dir="${2:-}"

bin=""
if command -v pg_ctl > /dev/null && command -v initdb > /dev/null; then
  bin="$(dirname "$(command -v pg_ctl)")"
else
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/pg_ctl" ] && bin="$candidate"
  done
fi
[ -n "$bin" ] || { echo "build/postgres.sh: no initdb/pg_ctl; install PostgreSQL 15 (apt-get install postgresql-15)" >&2; exit 14; }

as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    # From /: a checkout under a private directory (root's 0700 home) is no place the postgres user may enter.
    (cd / && su -s /bin/sh postgres -c "$1")
  else
    sh -c "$1"
  fi
}

case "$command_name" in
  probe)
    echo "$bin"
    ;;
  start)
    port="$3"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    if [ ! -e "$dir/data/PG_VERSION" ]; then
      as_server "'$bin/initdb' -D '$dir/data' -U bb -E UTF8 --locale=C --auth=trust > '$dir/initdb.log' 2>&1" \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # fsync off: a test cluster trades crash safety for speed; the fleet tests kill brokers, not the server's host.
    as_server "'$bin/pg_ctl' -D '$dir/data' -w -t 60 -l '$dir/server.log' -o \"-k '$dir' -c listen_addresses=127.0.0.1 -p $port -c fsync=off -c max_connections=200\" start > /dev/null" \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "Host=127.0.0.1;Port=$port;Username=bb;Database=postgres"
    ;;
  stop)
    as_server "'$bin/pg_ctl' -D '$dir/data' -m fast -w stop > /dev/null" || true
    ;;
  *)
    echo "usage: build/postgres.sh start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
