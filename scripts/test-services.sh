# shellcheck shell=bash
# Throwaway PostgreSQL 15 + Redis for the test suite, on loopback only.
#
# Sourced (recommended; works in an interactive shell and in .ci/run):
#     source scripts/test-services.sh start   # starts both, exports TEST_* variables
#     pytest
#     test_services_stop                      # or: source scripts/test-services.sh stop
#
# Executed:
#     eval "$(bash scripts/test-services.sh start)"   # prints the export lines
#     bash scripts/test-services.sh stop [DIR]         # DIR defaults to $TEST_SERVICES_DIR
#
# Exported by start:
#     TEST_DATABASE_URL  postgresql+psycopg://postgres@127.0.0.1:PORT/backorder_test
#     TEST_REDIS_URL     redis://127.0.0.1:PORT/0
#     TEST_PG_PORT, TEST_REDIS_PORT, TEST_SERVICES_DIR (temp dir holding both servers' data/logs)
#
# Optional inputs: TEST_PG_PORT (preferred port, default 5433), TEST_REDIS_PORT (default 6379),
# PG_BIN (default /usr/lib/postgresql/15/bin, else the newest /usr/lib/postgresql/*/bin).
# A preferred port that is already taken is replaced by the next free one.
#
# As root, PostgreSQL runs as the `postgres` user (initdb refuses root); otherwise as you.
# Nothing here changes the caller's shell options; errors make the functions return non-zero.

_ts_log() { printf '[test-services] %s\n' "$*" >&2; }

# _ts_port_free PORT -> 0 when nothing listens on / has bound 127.0.0.1:PORT
_ts_port_free() {
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$1" <<'PY'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.bind(("127.0.0.1", port))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
    else
        # no python: treat "something accepts connections" as taken
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
            return 1
        fi
        return 0
    fi
}

# _ts_pick_port PREFERRED -> prints the first free port in PREFERRED..PREFERRED+99
_ts_pick_port() {
    local p=$1 last=$(($1 + 99))
    while [ "$p" -le "$last" ]; do
        if _ts_port_free "$p"; then
            echo "$p"
            return 0
        fi
        p=$((p + 1))
    done
    _ts_log "no free port in $1..$last"
    return 1
}

_ts_pg_bin() {
    if [ -n "${PG_BIN:-}" ]; then
        echo "$PG_BIN"
    elif [ -x /usr/lib/postgresql/15/bin/initdb ]; then
        echo /usr/lib/postgresql/15/bin
    else
        # newest installed major version
        local d
        # shellcheck disable=SC2012
        d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
        echo "$d"
    fi
    return 0
}

# _ts_as_pg CMD -> run a shell command as the postgres user (root) or as ourselves
_ts_as_pg() {
    if [ "$(id -u)" = 0 ]; then
        su postgres -s /bin/sh -c "$1"
    else
        sh -c "$1"
    fi
}

test_services_start() {
    if [ -n "${TEST_SERVICES_DIR:-}" ] && [ -d "${TEST_SERVICES_DIR}" ]; then
        _ts_log "already started (TEST_SERVICES_DIR=$TEST_SERVICES_DIR); run test_services_stop first"
        return 1
    fi
    local bin D pg_port redis_port
    bin=$(_ts_pg_bin)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        _ts_log "PostgreSQL server binaries not found (apt-get install postgresql)"
        return 1
    fi
    if ! command -v redis-server >/dev/null 2>&1; then
        _ts_log "redis-server not found (apt-get install redis-server)"
        return 1
    fi

    # under /tmp (not $TMPDIR) so the postgres user can always reach it
    D=$(mktemp -d /tmp/backorder-test-services.XXXXXX) || return 1
    export TEST_SERVICES_DIR=$D
    if [ "$(id -u)" = 0 ]; then
        install -d -o postgres -g postgres "$D" || return 1
    fi

    # ---- PostgreSQL ----
    pg_port=$(_ts_pick_port "${TEST_PG_PORT:-5433}") || return 1
    _ts_log "PostgreSQL ($bin) on 127.0.0.1:$pg_port, data in $D/data"
    if ! _ts_as_pg "cd '$D' && '$bin/initdb' -D '$D/data' -A trust -U postgres" >"$D/initdb.log" 2>&1; then
        _ts_log "initdb failed:"; cat "$D/initdb.log" >&2
        return 1
    fi
    if ! _ts_as_pg "cd '$D' && '$bin/pg_ctl' -D '$D/data' -l '$D/log' -w start -o '-p $pg_port -k $D -c listen_addresses=127.0.0.1'" >&2; then
        _ts_log "pg_ctl start failed; server log:"; cat "$D/log" >&2 2>/dev/null
        return 1
    fi
    export TEST_PG_PORT=$pg_port
    if ! createdb -h 127.0.0.1 -p "$pg_port" -U postgres backorder_test; then
        _ts_log "createdb backorder_test failed"
        return 1
    fi
    export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$pg_port/backorder_test"

    # ---- Redis ----
    redis_port=$(_ts_pick_port "${TEST_REDIS_PORT:-6379}") || return 1
    _ts_log "Redis on 127.0.0.1:$redis_port"
    if ! redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save '' --appendonly no \
            --dir "$D" --pidfile "$D/redis.pid" --logfile "$D/redis.log"; then
        _ts_log "redis-server failed to start"
        return 1
    fi
    export TEST_REDIS_PORT=$redis_port
    local i
    for i in $(seq 1 50); do
        [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = PONG ] && break
        if [ "$i" = 50 ]; then
            _ts_log "Redis did not answer PING; log:"; cat "$D/redis.log" >&2 2>/dev/null
            return 1
        fi
        sleep 0.2
    done
    export TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"

    _ts_log "TEST_DATABASE_URL=$TEST_DATABASE_URL"
    _ts_log "TEST_REDIS_URL=$TEST_REDIS_URL"
    return 0
}

# Stops whatever test_services_start started. Never fails; safe to call twice.
test_services_stop() {
    local D=${1:-${TEST_SERVICES_DIR:-}}
    if [ -z "$D" ] || [ ! -d "$D" ]; then
        return 0
    fi
    local bin
    bin=$(_ts_pg_bin)
    if [ -f "$D/data/postmaster.pid" ] && [ -n "$bin" ]; then
        _ts_log "stopping PostgreSQL ($D/data)"
        _ts_as_pg "cd '$D' && '$bin/pg_ctl' -D '$D/data' -m fast -w -t 30 stop" >/dev/null 2>&1 ||
            _ts_log "pg_ctl stop failed (ignored)"
    fi
    if [ -f "$D/redis.pid" ]; then
        _ts_log "stopping Redis"
        local pid
        pid=$(cat "$D/redis.pid" 2>/dev/null || true)
        if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
            local i
            for i in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
        fi
    fi
    rm -rf "$D" 2>/dev/null || true
    if [ "${TEST_SERVICES_DIR:-}" = "$D" ]; then
        unset TEST_SERVICES_DIR
    fi
    return 0
}

# ---- entry point ----
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # sourced: `source scripts/test-services.sh [start|stop]`
    case "${1:-}" in
        start) test_services_start ;;
        stop) test_services_stop ;;
        "") : ;;  # just define the functions
        *) _ts_log "usage: source scripts/test-services.sh [start|stop]"; false ;;
    esac
else
    # executed
    set -euo pipefail
    case "${1:-}" in
        start)
            if ! test_services_start; then
                test_services_stop
                exit 1
            fi
            for v in TEST_SERVICES_DIR TEST_PG_PORT TEST_REDIS_PORT TEST_DATABASE_URL TEST_REDIS_URL; do
                printf 'export %s=%q\n' "$v" "${!v}"
            done
            ;;
        stop) test_services_stop "${2:-}" ;;
        *) echo "usage: $0 start | stop [DIR]   (or: source $0 start)" >&2; exit 2 ;;
    esac
fi
