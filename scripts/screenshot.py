#!/usr/bin/env python3
"""Full-page screenshots of app pages, optionally after signing in (a dev tool).

Needs Playwright for Python (`pip install playwright`) but NOT its bundled
browsers: it drives the system Chromium (/usr/bin/chromium), so never run
`playwright install`. Playwright is not a project dependency.

Examples:
    python scripts/screenshot.py --base http://127.0.0.1:8050 \\
        --user manager --password demo-manager --out /tmp/shots / /backorders
    python scripts/screenshot.py --cookie 'session=abc' --out /tmp/shots /backorders
    python scripts/screenshot.py --url http://127.0.0.1:8050/ --file /tmp/home.png

Sign-in (--user): opens BASE + --login-path, fills the inputs named `username`
and `password`, submits the form (clicks its submit button, else another
button in the form or one labelled "Sign in"/"Log in", else presses Enter)
and waits until the browser has left the login page.

Each page: load, wait for network idle (and for Dash to finish loading),
wait --settle seconds (default 1.5), save a full-page PNG named after the path
("/" -> root.png, "/backorders" -> backorders.png, "/a/b?x=1" -> a_b_x_1.png).
Browser console errors and HTTP errors are printed; exit status is 1 if any
page failed to load or returned an HTTP error.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from urllib.parse import urljoin, urlparse

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - dev tool
    sys.exit("needs Playwright for Python: pip install playwright  (no 'playwright install' needed)")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def shot_name(path: str) -> str:
    parsed = urlparse(path)
    raw = parsed.path.strip("/")
    if parsed.query:
        raw += "_" + parsed.query
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("_.")
    return (name or "root") + ".png"


def parse_cookie_header(header: str, url: str) -> list[dict]:
    cookies = []
    for part in header.split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep:
            sys.exit(f"bad cookie {part!r}: expected name=value")
        cookies.append({"name": name.strip(), "value": value.strip(), "url": url})
    return cookies


def settle(page, timeout_ms: int, seconds: float) -> None:
    """Network idle (best effort), Dash done loading (best effort), then a fixed pause."""
    try:
        page.wait_for_load_state("networkidle", timeout=timeout_ms)
    except PlaywrightTimeout:
        print(f"  warning: network never went idle within {timeout_ms} ms", file=sys.stderr)
    try:
        page.wait_for_function(
            "() => !document.querySelector('._dash-loading, ._dash-loading-callback')",
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        print("  warning: Dash still loading", file=sys.stderr)
    time.sleep(seconds)


def login(page, base: str, login_path: str, user: str, password: str, timeout_ms: int, seconds: float) -> None:
    login_url = urljoin(base, login_path)
    print(f"signing in as {user!r} at {login_url}")
    page.goto(login_url, wait_until="load", timeout=timeout_ms)
    settle(page, timeout_ms, 0)
    user_box = page.locator("input[name=username]").first
    pass_box = page.locator("input[name=password]").first
    user_box.wait_for(state="visible", timeout=timeout_ms)
    user_box.fill(user)
    pass_box.fill(password)
    login_page_path = urlparse(page.url).path

    # the form's submit button; else any button in that form (Dash forms often use
    # type=button + a callback); else a "sign in"/"log in" button; else Enter
    form = "form:has(input[name=password])"
    candidates = [
        page.locator(f"{form} button[type=submit], {form} input[type=submit], {form} button:not([type])"),
        page.locator(f"{form} button, {form} input[type=button]"),
        page.get_by_role("button", name=re.compile(r"sign\s*in|log\s*in", re.I)),
    ]
    for loc in candidates:
        if loc.count():
            loc.first.click()
            break
    else:
        pass_box.press("Enter")
    try:
        # a real form POST + redirect, or a client-side (dcc.Location) route change
        page.wait_for_url(lambda u: urlparse(u).path != login_page_path, timeout=timeout_ms)
    except PlaywrightTimeout as exc:
        raise SystemExit(f"sign-in failed: still on {page.url} after {timeout_ms} ms (wrong credentials?)") from exc
    settle(page, timeout_ms, seconds)
    print(f"signed in; now at {page.url}; cookies: {[c['name'] for c in page.context.cookies()]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="paths under --base (default: /)")
    ap.add_argument("--base", default="http://127.0.0.1:8050", help="app base URL (default %(default)s)")
    ap.add_argument("--user", help="sign in first with this username")
    ap.add_argument(
        "--password",
        default=os.environ.get("SCREENSHOT_PASSWORD"),
        help="password for --user (or env SCREENSHOT_PASSWORD)",
    )
    ap.add_argument("--login-path", default="/login", help="sign-in page path (default %(default)s)")
    ap.add_argument("--cookie", help="Cookie header value to preset, e.g. 'session=...; other=...'")
    ap.add_argument("--out", default="/tmp/shots", help="output folder (default %(default)s)")
    ap.add_argument("--url", help="single full URL to shoot (use with --file)")
    ap.add_argument("--file", help="single output PNG (with --url, or with exactly one path)")
    ap.add_argument("--size", default="1400,1000", help="viewport WIDTH,HEIGHT (default %(default)s)")
    ap.add_argument("--settle", type=float, default=1.5, help="extra seconds after idle (default %(default)s)")
    ap.add_argument("--timeout", type=float, default=30, help="per-step timeout in seconds (default %(default)s)")
    ap.add_argument(
        "--chromium",
        default=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        help="browser executable (default %(default)s)",
    )
    args = ap.parse_args(argv)

    if args.user and args.password is None:
        ap.error("--user needs --password (or SCREENSHOT_PASSWORD)")
    width, height = (int(v) for v in args.size.split(","))
    timeout_ms = int(args.timeout * 1000)

    if args.url:
        if args.paths:
            ap.error("give either --url or paths, not both")
        base = f"{urlparse(args.url).scheme}://{urlparse(args.url).netloc}/"
        targets = [(args.url, args.file or os.path.join(args.out, shot_name(urlparse(args.url).path)))]
    else:
        base = args.base.rstrip("/") + "/"
        paths = args.paths or ["/"]
        if args.file and len(paths) != 1:
            ap.error("--file takes exactly one path")
        targets = [(urljoin(base, p.lstrip("/")), args.file or os.path.join(args.out, shot_name(p))) for p in paths]

    failures = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(timeout_ms)
        if args.cookie:
            context.add_cookies(parse_cookie_header(args.cookie, base))
        page = context.new_page()
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console_errors.append(f"uncaught: {e}"))

        if args.user:
            login(page, base, args.login_path, args.user, args.password, timeout_ms, args.settle)

        for url, out in targets:
            console_errors.clear()
            os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
            try:
                response = page.goto(url, wait_until="load", timeout=timeout_ms)
            except PlaywrightError as exc:
                print(f"FAILED {url}: {exc}", file=sys.stderr)
                failures += 1
                continue
            settle(page, timeout_ms, args.settle)
            page.screenshot(path=out, full_page=True)
            status = response.status if response else "?"
            note = f" (now at {page.url})" if page.url != url else ""
            print(f"{url} [{status}]{note} -> {out}")
            if response is not None and response.status >= 400:
                failures += 1
            for err in console_errors:
                print(f"  console error: {err}", file=sys.stderr)
        browser.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
