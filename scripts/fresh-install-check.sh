#!/usr/bin/env bash
# Proves the README's first command on a fresh machine, as a newcomer would meet it:
# a fresh clone of this repository's HEAD, a fresh virtual environment, then the README's
# `pip install … && python app.py` exactly as written. Passes when the app answers /healthz
# and shows the sign-in page at /login; then stops it and removes everything it made.
#
#   bash scripts/fresh-install-check.sh          (CI runs it from .ci/run)
#
# Environment: PYTHON (default python3) builds the virtual environment; WAIT (default 300)
# is how many seconds the install plus the first start (which builds the demo) may take.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
WAIT=${WAIT:-300}
# shellcheck source=scripts/readme-command.sh
source "$REPO/scripts/readme-command.sh"
RUN_COMMAND=$(readme_command run)

WORK=$(mktemp -d /tmp/backorder-fresh-install.XXXXXX)
APP_PID=
cleanup() {
    if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
        kill -TERM -- "-$APP_PID" 2>/dev/null || true
        wait "$APP_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
git clone --quiet "$REPO" "$WORK/clone"
"$PYTHON" -m venv "$WORK/venv"
echo "fresh clone of $(git -C "$WORK/clone" rev-parse --short HEAD) in $WORK/clone, venv $WORK/venv ($("$WORK/venv/bin/python" --version))"
echo "README's first command: $RUN_COMMAND   (PORT=$PORT)"

cd "$WORK/clone"
# setsid: the command's own process group, so stopping it stops pip or the server, whichever runs.
PORT=$PORT setsid bash -c "source '$WORK/venv/bin/activate' && $RUN_COMMAND" >"$WORK/app.log" 2>&1 &
APP_PID=$!

url="http://127.0.0.1:$PORT"
for _ in $(seq "$WAIT"); do
    if curl -fsS -o /dev/null "$url/healthz" 2>/dev/null; then break; fi
    if ! kill -0 "$APP_PID" 2>/dev/null; then
        echo "FAIL: the command ended before the app answered:" >&2
        tail -40 "$WORK/app.log" >&2
        exit 1
    fi
    sleep 1
done
if ! health=$(curl -fsS "$url/healthz"); then
    echo "FAIL: no answer on $url/healthz after ${WAIT}s:" >&2
    tail -40 "$WORK/app.log" >&2
    exit 1
fi
login=$(curl -fsS "$url/login")
if ! grep -q 'name="password"' <<<"$login"; then
    echo "FAIL: $url/login does not show the sign-in form" >&2
    exit 1
fi
echo "OK: /healthz answered $health; /login shows the sign-in form"
