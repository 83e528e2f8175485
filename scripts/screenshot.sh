#!/usr/bin/env bash
# Headless Chromium screenshot of one page (a dev tool, not used by the app or tests).
#
#   scripts/screenshot.sh URL OUT.png [COOKIE]
#
# Without COOKIE: plain headless Chromium, viewport-sized PNG (SCREENSHOT_SIZE,
# default 1400,1000), after up to 10 s of virtual time for the page's scripts.
#
# COOKIE is a Cookie header value ("name=value; name2=value2"), e.g. the session
# cookie of a logged-in browser. Chromium has no command-line flag for cookies, so
# with COOKIE the shot is taken by scripts/screenshot.py (Playwright driving the
# same system Chromium; full-page PNG). To sign in with a username and password,
# use scripts/screenshot.py directly.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 URL OUT.png [COOKIE]" >&2
    exit 2
fi
url=$1
out=$2
cookie=${3:-}
size=${SCREENSHOT_SIZE:-1400,1000}

# chromium resolves a relative --screenshot path against its own cwd; make it absolute
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
mkdir -p "$(dirname "$out")"
rm -f "$out"

if [ -n "$cookie" ]; then
    if ! python3 -c 'import playwright' 2>/dev/null; then
        # fail loudly rather than silently screenshot the login page
        echo "COOKIE needs Playwright for Python (pip install playwright; no 'playwright install' needed)" >&2
        exit 2
    fi
    exec python3 "$(dirname "$0")/screenshot.py" --url "$url" --cookie "$cookie" --size "$size" --file "$out"
fi

chrome=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

"$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" \
    --virtual-time-budget=10000 \
    --window-size="$size" \
    --hide-scrollbars \
    --screenshot="$out" \
    "$url" >"$profile/chromium.log" 2>&1 || {
    echo "chromium failed:" >&2; tail -20 "$profile/chromium.log" >&2; exit 1
}
if [ ! -s "$out" ]; then
    echo "no screenshot written; chromium log:" >&2; tail -20 "$profile/chromium.log" >&2
    exit 1
fi
echo "$out"
