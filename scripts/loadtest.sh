#!/usr/bin/env bash
# Load test (issue 11, item 4): serve the app on 127.0.0.1, run the locust scenario headless, stop the
# server, then check that every write locust saw confirmed is in the database exactly once.
#
#   scripts/loadtest.sh USERS DURATION          e.g. scripts/loadtest.sh 25 90s
#
# Environment:
#   DATABASE_URL   required: a migrated database with the demo data (`backorder-desk demo`); for the
#                  real run PostgreSQL, e.g. postgresql+psycopg://postgres@127.0.0.1:5544/loadtest
#   REDIS_URL      recommended (shared sign-in limits and job store between workers)
#   SECRET_KEY     32+ characters (one is generated for the run when unset)
#   BACKORDER_DESK_TODAY  the demo's last day (demo --today), so the pages see the data as current
#   JOB_DIR        default /tmp/loadtest/jobs
#   PORT (8077)  WORKERS (app default: 2 x cores + 1, <= 8)  THREADS (4)  SPAWN_RATE (5 users/s)
#   OUT            results directory (default /tmp/loadtest/u<USERS>-<time>)
#   LOCUST_VENV    where locust lives (default ~/.cache/backorder-desk/locust-venv). locust needs urllib3 2
#                  and the app's test environment pins 1.26, so it gets a virtual environment of its own,
#                  made here on first use from scripts/loadtest-lock.txt (and again when that file changes).
#                  The locust file imports only locust and the standard library.
#
# Bounded on purpose: 127.0.0.1 only, at most 200 users and 600 s.
# Exit status: 0 only if locust saw no failure and the lost-update check passed.
set -euo pipefail

usage() { echo "usage: $0 USERS DURATION   (USERS 1..200, DURATION like 90s / 2m, at most 600s)" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
USERS=$1
DURATION=$2
if ! [[ $USERS =~ ^[0-9]+$ ]] || ((USERS < 1 || USERS > 200)); then usage; fi
[[ $DURATION =~ ^([0-9]+)([sm]?)$ ]] || usage
SECONDS_TOTAL=${BASH_REMATCH[1]}
[[ ${BASH_REMATCH[2]} == m ]] && SECONDS_TOTAL=$((SECONDS_TOTAL * 60))
((SECONDS_TOTAL >= 5 && SECONDS_TOTAL <= 600)) || usage

: "${DATABASE_URL:?set DATABASE_URL to the database to load (see the header of this script)}"
HOST=127.0.0.1  # fixed: this script never aims at another machine
PORT=${PORT:-8077}
THREADS=${THREADS:-4}
SPAWN_RATE=${SPAWN_RATE:-5}
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/loadtest/u${USERS}-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
export DATABASE_URL
export JOB_DIR=${JOB_DIR:-/tmp/loadtest/jobs}
export SECRET_KEY=${SECRET_KEY:-$(python -c 'import secrets; print(secrets.token_hex(32))')}
LOADTEST_RUN=u${USERS}-$(date +%s)
export LOADTEST_RUN
export LOADTEST_WRITES=$OUT/writes.json
export LOADTEST_STATS=$OUT/final_stats.csv
[[ -n ${BACKORDER_DESK_TODAY:-} ]] || echo "warning: BACKORDER_DESK_TODAY unset: the app uses the real date" >&2
[[ -n ${REDIS_URL:-} ]] || echo "warning: REDIS_URL unset: each worker keeps its own sign-in limits" >&2
mkdir -p "$JOB_DIR"

if (echo >"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
    echo "port $PORT is already in use on $HOST; set PORT" >&2
    exit 2
fi

# locust in its own environment, exactly the versions of scripts/loadtest-lock.txt.
LOCUST_VENV=${LOCUST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/backorder-desk/locust-venv}
LOCUST_LOCK=$REPO/scripts/loadtest-lock.txt
if ! cmp -s "$LOCUST_LOCK" "$LOCUST_VENV/installed-lock.txt" || [[ ! -x $LOCUST_VENV/bin/locust ]]; then
    echo "installing locust into $LOCUST_VENV (scripts/loadtest-lock.txt)"
    rm -rf "$LOCUST_VENV"
    python3 -m venv "$LOCUST_VENV"
    "$LOCUST_VENV/bin/pip" install --quiet -r "$LOCUST_LOCK"
    cp "$LOCUST_LOCK" "$LOCUST_VENV/installed-lock.txt"
fi
LOCUST=$LOCUST_VENV/bin/locust

workers_opt=()
[[ -n ${WORKERS:-} ]] && workers_opt=(--workers "$WORKERS")
cd "$REPO"
# `python -m dashboard` is `backorder-desk`, from this checkout whatever is installed.
python -m dashboard serve --bind "$HOST:$PORT" "${workers_opt[@]}" --threads "$THREADS" >"$OUT/server.log" 2>&1 &
SERVER=$!
stop_server() {
    if kill -0 "$SERVER" 2>/dev/null; then
        kill -TERM "$SERVER"
        wait "$SERVER" 2>/dev/null || true
    fi
}
trap stop_server EXIT

for _ in $(seq 60); do
    if curl -fsS -o /dev/null "http://$HOST:$PORT/login"; then break; fi
    kill -0 "$SERVER" 2>/dev/null || { echo "server did not start:" >&2; tail -20 "$OUT/server.log" >&2; exit 1; }
    sleep 1
done
curl -fsS -o /dev/null "http://$HOST:$PORT/login" || { echo "server not answering" >&2; exit 1; }
WORKER_COUNT=$(grep -c "Booting worker" "$OUT/server.log" || true)

python scripts/loadtest.py snapshot "$OUT/before.json"

echo "locust: $USERS users, $DURATION, spawn $SPAWN_RATE/s -> http://$HOST:$PORT ($WORKER_COUNT workers x $THREADS threads)"
set +e
"$LOCUST" -f scripts/loadtest.py --headless -u "$USERS" -r "$SPAWN_RATE" -t "$DURATION" --stop-timeout 30 \
    --host "http://$HOST:$PORT" --csv "$OUT/locust" --html "$OUT/report.html" --only-summary \
    --loglevel WARNING >"$OUT/locust.log" 2>&1
LOCUST_RC=$?
set -e
stop_server
trap - EXIT

echo
if [[ ! -s $OUT/final_stats.csv ]]; then
    echo "locust did not run (exit $LOCUST_RC):" >&2
    tail -20 "$OUT/locust.log" >&2
    exit 1
fi
python scripts/loadtest.py summary "$OUT/final_stats.csv" | tee "$OUT/summary.md"
echo
set +e
python scripts/loadtest.py verify "$OUT/before.json" "$LOADTEST_WRITES" | tee "$OUT/verify.txt"
VERIFY_RC=${PIPESTATUS[0]}
set -e
# A chained exception ("The above exception was the direct cause ...") prints one "Traceback" per link:
# count exceptions, not Traceback lines. A callback's DBAPIError gets the "database unavailable" toast
# and one warning line, no traceback (dashboard/errors.py): counted apart.
TRACEBACKS=$(grep -c '^Traceback' "$OUT/server.log" || true)
CHAINED=$(grep -cE '^(The above exception was the direct cause|During handling of the above exception)' "$OUT/server.log" || true)
echo "server log ($OUT/server.log): $(grep -cE '" 5[0-9][0-9] [0-9-]' "$OUT/server.log" || true) responses 5xx," \
    "$((TRACEBACKS - CHAINED)) exceptions logged ($TRACEBACKS Traceback lines with chained causes)," \
    "$(grep -c '^Exception in thread metrics-refresh' "$OUT/server.log" || true) of them in the background metrics refresh;" \
    "$(grep -c 'callback failed on the database' "$OUT/server.log" || true) callbacks failed on the database"
if [[ -s $OUT/locust_failures.csv ]] && (($(wc -l <"$OUT/locust_failures.csv") > 1)); then
    echo "locust failures ($OUT/locust_failures.csv):"
    cut -c1-300 "$OUT/locust_failures.csv"
fi
echo "results in $OUT (locust exit $LOCUST_RC, lost-update check exit $VERIFY_RC)"
((LOCUST_RC == 0 && VERIFY_RC == 0))
