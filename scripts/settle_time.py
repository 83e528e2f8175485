#!/usr/bin/env python3
"""Time to a settled page: how long each page takes, in headless Chromium, until its last Dash callback answered.

Needs Playwright for Python (`pip install playwright`) but NOT its bundled browsers: it drives the system
Chromium (/usr/bin/chromium, or --chromium), falling back to Playwright's own browser only when that file
is missing. Never run `playwright install` for this. Playwright is not a runtime dependency of the app.

Examples:
    python scripts/settle_time.py --base http://127.0.0.1:8050
    python scripts/settle_time.py --user executive --password demo-executive --repeat 7 --json /tmp/exec.json
    python scripts/settle_time.py --pages / /replenishment '/sku/SKU-00012' --budget-ms 1500

What is measured, for each page:

- Sign in once through /login as --user (default manager / demo-manager), then visit the page --repeat
  times (default 5) as full navigations (`page.goto`). The first visit runs in a fresh browser context
  (cold HTTP cache, the session cookie copied over): its JavaScript and CSS bytes are reported. The
  later visits run in one warm context; their median and maximum are the figures the budget judges.
- **Settled** = the time from the navigation's start (the document request leaving the browser) to the
  end of the last `/_dash-update-component` response, once no callback is in flight, none has started
  for --quiet-ms (default 500; not counted in the figure), no component is marked loading by Dash, every
  visible AG Grid shows rows (or its "no rows" overlay) and every visible graph has drawn.
- **Callbacks**: how many `/_dash-update-component` requests the visit made, and (in --json) each one's
  outputs, start and end in ms since navigation start: the page's callback timeline, where a chain
  (one callback's output firing the next) shows as requests that start only after another ended.

Default pages: every link in the signed-in user's navbar (so admin pages for admin), plus a supplier
detail page (/suppliers?supplier=ID, the first row of the scorecard) and a SKU page (/sku/SKU, the first
row of /replenishment or /backorders) when the user may open those. --pages replaces the list.

Prints a table; --json writes every visit. Exit status 1 when any page's warm median exceeds
--budget-ms (default 1500), so it can gate; 2 when a page failed to load or to settle.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import quote, urljoin, urlparse

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - dev tool
    sys.exit("needs Playwright for Python: pip install playwright  (no 'playwright install' needed)")

SYSTEM_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CALLBACK_PATH = "/_dash-update-component"

# '' once the page has drawn what its callbacks brought, else what it still waits for. Read from Dash's own
# store: no callback queued or running, nothing marked loading; and every AG Grid and graph in the layout
# (except those inside a closed modal or side panel, which are not drawn) present in the page with a row
# of data (not the infinite model's empty placeholder rows) or its "no rows" overlay, and its plot drawn. A
# component whose script is still being fetched or evaluated is missing from the page, so this waits for it.
RENDERED_JS = """
() => {
    const store = window.store && window.store.getState && window.store.getState();
    if (!store) return 'dash not started';
    const cb = store.callbacks || {};
    for (const key of ['requested', 'prioritized', 'blocked', 'executing', 'watched']) {
        if (Array.isArray(cb[key]) && cb[key].length) return 'callbacks ' + key;
    }
    if (store.isLoading) return 'dash loading';
    const wanted = [];
    const walk = (node) => {
        if (!node || typeof node !== 'object') return;
        if (Array.isArray(node)) { node.forEach(walk); return; }
        if (node.type && node.props) {
            const props = node.props;
            if ((node.type === 'Modal' || node.type === 'Offcanvas') && !props.is_open) return;
            if ((node.type === 'AgGrid' || node.type === 'Graph') && typeof props.id === 'string') {
                wanted.push([node.type, props.id]);
            }
            Object.values(props).forEach(walk);
            return;
        }
        Object.values(node).forEach(walk);
    };
    walk(store.layout);
    for (const [type, id] of wanted) {
        const el = document.getElementById(id);
        if (!el) return type + ' #' + id + ' not in the page';
        if (!(el.offsetWidth || el.offsetHeight)) continue;  // hidden (a collapsed section, another tab)
        if (type === 'Graph') {
            if (!el.querySelector('.main-svg')) return 'graph #' + id + ' not drawn';
            continue;
        }
        // The infinite model draws empty placeholder rows (no row-id) until a block arrives.
        const ready = el.querySelector('.ag-center-cols-container .ag-row[row-id]');
        const overlay = el.querySelector('.ag-overlay:not(.ag-hidden) .ag-overlay-no-rows-wrapper, '
            + '.ag-overlay:not(.ag-hidden) .ag-overlay-no-rows-center');
        if (!ready && !overlay) return 'grid #' + id + ' without rows';
    }
    return '';
}
"""

# JavaScript and CSS the document downloaded (transfer sizes: headers and body as sent).
ASSET_BYTES_JS = """
() => {
    const out = {js: 0, css: 0, js_files: 0, css_files: 0, decoded_js: 0, decoded_css: 0};
    for (const e of performance.getEntriesByType('resource')) {
        const path = new URL(e.name).pathname;
        const kind = path.endsWith('.js') ? 'js' : path.endsWith('.css') ? 'css' : null;
        if (!kind) continue;
        out[kind] += e.transferSize || 0;
        out['decoded_' + kind] += e.decodedBodySize || 0;
        out[kind + '_files'] += 1;
    }
    return out;
}
"""


@dataclass
class Callback:
    outputs: str
    start_ms: float
    end_ms: float
    status: int | None = None


@dataclass
class Visit:
    path: str
    cold: bool
    settled_ms: float
    callbacks: list[Callback]
    document_ms: float
    assets: dict | None = None
    error: str | None = None


@dataclass
class PageResult:
    path: str
    visits: list[Visit] = field(default_factory=list)

    @property
    def warm(self) -> list[float]:
        return [v.settled_ms for v in self.visits if not v.cold and v.error is None]

    @property
    def cold(self) -> Visit | None:
        return next((v for v in self.visits if v.cold), None)

    @property
    def median(self) -> float | None:
        return statistics.median(self.warm) if self.warm else None

    @property
    def failed(self) -> bool:
        return any(v.error for v in self.visits)


class CallbackTracker:
    """Follows a page's `/_dash-update-component` requests (and its scripts): in flight, finished, and when.

    A script counts as activity too: a component whose code is fetched on demand (AG Grid, plotly) sends its
    first callback only once that code has arrived and run.
    """

    def __init__(self, page) -> None:
        self.in_flight: set[object] = set()
        self.done: list[object] = []
        self.last_event = time.monotonic()
        page.on("request", self._start)
        page.on("requestfinished", self._finish)
        page.on("requestfailed", self._finish)

    def reset(self) -> None:
        self.in_flight.clear()
        self.done.clear()
        self.last_event = time.monotonic()

    @staticmethod
    def _watched(request) -> bool:
        return CALLBACK_PATH in request.url or request.resource_type == "script"

    def _start(self, request) -> None:
        if self._watched(request):
            self.in_flight.add(request)
            self.last_event = time.monotonic()

    def _finish(self, request) -> None:
        if request in self.in_flight:
            self.in_flight.discard(request)
            if CALLBACK_PATH in request.url:
                self.done.append(request)
            self.last_event = time.monotonic()


def _outputs(request) -> str:
    try:
        body = request.post_data_json or {}
    except (ValueError, PlaywrightError):
        return "?"
    return str(body.get("output", "?"))[:160]


def measure(page, tracker: CallbackTracker, url: str, path: str, cold: bool, args) -> Visit:
    """One full navigation to ``url``, timed to its settled state."""
    deadline = time.monotonic() + args.timeout
    try:
        response = page.goto(url, wait_until="commit", timeout=args.timeout * 1000)
    except PlaywrightError as exc:
        return Visit(path, cold, float("nan"), [], float("nan"), error=f"navigation failed: {exc}")
    # From here on every request is the new document's: the old one's callbacks were cancelled with it, and
    # the new one sends none before its scripts and Dash's layout have loaded.
    tracker.reset()
    if response is None or response.status >= 400:
        status = response.status if response else "no response"
        return Visit(path, cold, float("nan"), [], float("nan"), error=f"HTTP {status}")
    if urlparse(page.url).path.rstrip("/") == urlparse(urljoin(url, args.login_path)).path.rstrip("/"):
        return Visit(path, cold, float("nan"), [], float("nan"), error="sent to the sign-in page")
    page.wait_for_load_state("load", timeout=args.timeout * 1000)
    doc_timing = response.request.timing
    nav_start = doc_timing["startTime"]  # epoch ms; every other timing is relative to its own request's start
    document_ms = doc_timing["responseEnd"]
    waiting_for = "callbacks"
    while True:
        page.wait_for_timeout(50)
        quiet_for = (time.monotonic() - tracker.last_event) * 1000
        if not tracker.in_flight and quiet_for >= args.quiet_ms:
            waiting_for = page.evaluate(RENDERED_JS)
            if not waiting_for and not tracker.in_flight:
                break
        if time.monotonic() > deadline:
            state = f"{len(tracker.in_flight)} callback(s) in flight" if tracker.in_flight else waiting_for
            return Visit(
                path, cold, float("nan"), [], document_ms, error=f"not settled after {args.timeout} s: {state}"
            )
    callbacks = []
    for request in tracker.done:
        timing = request.timing
        start = timing["startTime"] - nav_start
        if start < 0:
            continue  # sent by the page before this one
        end = start + max(timing["responseEnd"], 0)
        response = request.response() if timing["responseEnd"] >= 0 else None
        callbacks.append(
            Callback(_outputs(request), round(start, 1), round(end, 1), response.status if response else None)
        )
    callbacks.sort(key=lambda c: c.start_ms)
    settled = max((c.end_ms for c in callbacks), default=document_ms)
    failed = [c for c in callbacks if c.status is None or c.status >= 400]
    error = f"{len(failed)} callback(s) failed: {failed[0].outputs} ({failed[0].status})" if failed else None
    assets = page.evaluate(ASSET_BYTES_JS) if cold else None
    return Visit(path, cold, round(settled, 1), callbacks, round(document_ms, 1), assets, error)


def login(page, base: str, args) -> None:
    page.goto(urljoin(base, args.login_path.lstrip("/")), wait_until="load", timeout=args.timeout * 1000)
    page.fill("input[name=username]", args.user)
    page.fill("input[name=password]", args.password)
    login_path = urlparse(page.url).path
    page.click("form:has(input[name=password]) button[type=submit]")
    try:
        page.wait_for_url(lambda u: urlparse(u).path != login_path, timeout=args.timeout * 1000)
    except PlaywrightTimeout as exc:
        raise SystemExit(f"sign-in as {args.user!r} failed: still on {page.url}") from exc


def wait_rendered(page, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while page.evaluate(RENDERED_JS) and time.monotonic() < deadline:
        page.wait_for_timeout(100)


def discover_pages(page, base: str, args) -> list[str]:
    """The navbar's pages for this user, then a supplier detail page and a SKU page when they may open them."""
    page.goto(base, wait_until="load", timeout=args.timeout * 1000)
    page.wait_for_selector("#main-nav", timeout=args.timeout * 1000)
    hrefs = page.eval_on_selector_all("#main-nav a.nav-link[href^='/']", "els => els.map(e => e.getAttribute('href'))")
    paths = list(dict.fromkeys(["/", *hrefs]))
    if "/suppliers" in paths:
        supplier = args.supplier or _first_row_id(page, base, "/suppliers", "#sup-grid", args)
        if supplier:
            paths.insert(paths.index("/suppliers") + 1, f"/suppliers?supplier={quote(supplier)}")
    sku = args.sku
    for source, grid in (("/replenishment", "#repl-grid"), ("/backorders", "#bo-grid")):
        if sku or source not in paths:
            continue
        sku = _first_row_sku(page, base, source, grid, args)
    if sku:
        paths.append(f"/sku/{quote(sku, safe='')}")
    return paths


def _first_row(page, base: str, path: str, grid: str, args):
    page.goto(urljoin(base, path.lstrip("/")), wait_until="load", timeout=args.timeout * 1000)
    row = page.locator(f"{grid} .ag-center-cols-container .ag-row[row-index='0']:not(.ag-row-loading)")
    try:
        row.first.wait_for(timeout=args.timeout * 1000)
    except PlaywrightTimeout:
        return None
    return row.first


def _first_row_id(page, base: str, path: str, grid: str, args) -> str | None:
    row = _first_row(page, base, path, grid, args)
    return row.get_attribute("row-id") if row else None


def _first_row_sku(page, base: str, path: str, grid: str, args) -> str | None:
    row = _first_row(page, base, path, grid, args)
    if row is None:
        return None
    cell = row.locator("[col-id='sku']")
    if cell.count():
        return cell.first.inner_text().strip() or None
    row_id = row.get_attribute("row-id") or ""
    return row_id.rpartition("|")[0] or None  # replenishment rows are "SKU|warehouse"


def launch(pw, chromium: str):
    if os.path.exists(chromium):
        return pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
    print(f"note: {chromium} not found; using Playwright's own Chromium", file=sys.stderr)
    return pw.chromium.launch(args=CHROMIUM_ARGS, headless=True)


def fmt(ms: float | None) -> str:
    return "-" if ms is None or ms != ms else f"{ms:,.0f}"


def print_table(results: list[PageResult], args) -> None:
    head = (
        f"{'page':<34} {'cold ms':>8} {'median':>8} {'max':>8} {'budget':>7} "
        f"{'callbacks':>9} {'JS KB':>7} {'CSS KB':>7}"
    )
    print(f"\nuser {args.user}, {args.repeat} visits per page (1 cold + {args.repeat - 1} warm), settled ms")
    print(head)
    print("-" * len(head))
    for result in results:
        cold = result.cold
        warm_visits = [v for v in result.visits if not v.cold and v.error is None]
        calls = sorted({len(v.callbacks) for v in warm_visits}) or ([len(cold.callbacks)] if cold else [])
        verdict = "FAIL" if result.failed else ("ok" if (result.median or 0) <= args.budget_ms else "OVER")
        assets = cold.assets if cold and cold.assets else {}
        print(
            f"{result.path[:34]:<34} {fmt(cold.settled_ms if cold else None):>8} {fmt(result.median):>8} "
            f"{fmt(max(result.warm) if result.warm else None):>8} {verdict:>7} "
            f"{'/'.join(map(str, calls)):>9} {assets.get('js', 0) / 1024:>7,.0f} {assets.get('css', 0) / 1024:>7,.0f}"
        )
        for visit in result.visits:
            if visit.error:
                print(f"    {'cold' if visit.cold else 'warm'} visit: {visit.error}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="http://127.0.0.1:8050", help="app base URL (default %(default)s)")
    ap.add_argument("--user", default="manager", help="sign in as (default %(default)s)")
    ap.add_argument("--password", help="password (default demo-USER, the demo's)")
    ap.add_argument("--login-path", default="/login", help="sign-in page path (default %(default)s)")
    ap.add_argument("--pages", nargs="+", help="paths to time (default: every page the user can open)")
    ap.add_argument("--sku", help="SKU for the SKU page (default: the first row of /replenishment or /backorders)")
    ap.add_argument("--supplier", help="supplier id for the detail page (default: the scorecard's first row)")
    ap.add_argument("--repeat", type=int, default=5, help="visits per page, the first cold (default %(default)s)")
    ap.add_argument("--quiet-ms", type=float, default=500, help="no new callback for this long = settled (default 500)")
    ap.add_argument("--budget-ms", type=float, default=1500, help="warm median allowed per page (default 1500)")
    ap.add_argument("--timeout", type=float, default=30, help="seconds a visit may take to settle (default 30)")
    ap.add_argument("--json", help="write every visit, with its callback timeline, to this file")
    ap.add_argument("--size", default="1400,1000", help="viewport WIDTH,HEIGHT (default %(default)s)")
    ap.add_argument(
        "--chromium",
        default=os.environ.get("CHROMIUM", SYSTEM_CHROMIUM),
        help="browser executable (default %(default)s; Playwright's own if missing)",
    )
    args = ap.parse_args(argv)
    if args.repeat < 2:
        ap.error("--repeat needs at least 2 (one cold visit and one warm)")
    args.password = args.password or f"demo-{args.user}"
    base = args.base.rstrip("/") + "/"
    width, height = (int(v) for v in args.size.split(","))
    viewport = {"width": width, "height": height}

    results: list[PageResult] = []
    with sync_playwright() as pw:
        browser = launch(pw, args.chromium)
        warm = browser.new_context(viewport=viewport)
        page = warm.new_page()
        login(page, base, args)
        paths = args.pages or discover_pages(page, base, args)
        print(f"signed in as {args.user}; pages: {' '.join(paths)}")
        session = warm.storage_state()
        tracker = CallbackTracker(page)
        for path in paths:
            url = urljoin(base, path.lstrip("/"))
            result = PageResult(path)
            # First visit: a new context, so nothing is cached (the session cookie comes along).
            cold_context = browser.new_context(viewport=viewport, storage_state=session)
            cold_page = cold_context.new_page()
            cold_page.add_init_script("performance.setResourceTimingBufferSize(2000)")
            result.visits.append(measure(cold_page, CallbackTracker(cold_page), url, path, True, args))
            cold_context.close()
            page.goto(url, wait_until="load", timeout=args.timeout * 1000)  # warm the shared cache for this page
            wait_rendered(page, args.timeout)
            for _ in range(args.repeat - 1):
                result.visits.append(measure(page, tracker, url, path, False, args))
            results.append(result)
            last = result.visits[-1]
            print(
                f"  {path}: cold {fmt(result.visits[0].settled_ms)} ms, warm median {fmt(result.median)} ms, "
                f"{len(last.callbacks)} callbacks",
                flush=True,
            )
        browser.close()

    print_table(results, args)
    if args.json:
        payload = {
            "base": args.base,
            "user": args.user,
            "repeat": args.repeat,
            "quiet_ms": args.quiet_ms,
            "budget_ms": args.budget_ms,
            "pages": [
                {
                    "path": r.path,
                    "median_ms": r.median,
                    "max_ms": max(r.warm) if r.warm else None,
                    "visits": [asdict(v) for v in r.visits],
                }
                for r in results
            ],
        }
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=1, default=str)
        print(f"wrote {args.json}")
    if any(r.failed for r in results):
        return 2
    over = [r.path for r in results if r.median is not None and r.median > args.budget_ms]
    if over:
        print(f"over the {args.budget_ms:.0f} ms budget: {' '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
