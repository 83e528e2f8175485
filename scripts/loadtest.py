"""Load test (issue 11, item 4): one locust user class per role, driving the app the way the browser does.

Run it through ``scripts/loadtest.sh USERS DURATION`` (it starts the server, snapshots the database,
runs locust headless and checks for lost updates). By hand::

    locust -f scripts/loadtest.py --headless -u 25 -r 5 -t 60s --host http://127.0.0.1:8077

Each simulated user signs in through the /login form, then opens its role's pages: Dash's
page-routing callback, then the callbacks the page fires on load (cards, charts, the infinite
grids' ``getRowsRequest``) with the values the page's layout holds, as the Dash renderer would.

Writes, one per role that has one, each tagged with a note unique to the run:

* support logs a customer contact on a waiting backorder line (append-only: ``contact_log``);
* a manager revises a purchase order's ETA (preview, then confirm; optimistic lock on the PO's version).

A write the server confirmed is appended to ``LOADTEST_WRITES`` (JSON, written when the test stops);
``python scripts/loadtest.py snapshot|verify`` compares that list with the database afterwards.
Executives only read. A non-2xx answer, a callback that reports an error (the app's global error,
a red alert) or a missing page element is a locust failure. A stale-version refusal of an ETA
revision is the lost-update guard working, not an error: it is counted as "ETA conflict (refused)".

Bounds: the host must be http://127.0.0.1, at most 200 users and 10 minutes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import sys
import time
from pathlib import Path

MAX_USERS = 200
MAX_SECONDS = 600
RUN = os.environ.get("LOADTEST_RUN", f"run{int(time.time())}")
WRITES_PATH = Path(os.environ.get("LOADTEST_WRITES", "/tmp/loadtest/writes.json"))
STATS_PATH = Path(os.environ["LOADTEST_STATS"]) if os.environ.get("LOADTEST_STATS") else None
TODAY = dt.date.fromisoformat(os.environ.get("BACKORDER_DESK_TODAY") or dt.date.today().isoformat())
NOTE_PREFIX = "loadtest"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGES = ".._pages_content.children..._pages_store.data.."
TIMEOUT_S = 60
ERROR_SLOTS = ("-alert", "-feedback", "-impact")


# --------------------------------------------------------------------------------------------
# After the run: snapshot / verify (no locust needed; `python scripts/loadtest.py verify ...`)
# --------------------------------------------------------------------------------------------


def _engine():
    from sqlalchemy import create_engine

    return create_engine(os.environ["DATABASE_URL"])


def snapshot(path: Path) -> None:
    """Counts, highest ids and every open PO's ETA before the run."""
    from sqlalchemy import text

    with _engine().connect() as c:
        state = {
            "contact_log": c.execute(text("SELECT count(*) FROM contact_log")).scalar_one(),
            "eta_revision": c.execute(text("SELECT count(*) FROM eta_revision")).scalar_one(),
            "audit_log_contact": c.execute(
                text("SELECT count(*) FROM audit_event WHERE action = 'log_contact'")
            ).scalar_one(),
            "audit_revise_eta": c.execute(
                text("SELECT count(*) FROM audit_event WHERE action = 'revise_eta'")
            ).scalar_one(),
            "max_eta_revision_id": c.execute(text("SELECT coalesce(max(id), 0) FROM eta_revision")).scalar_one(),
            "po_eta": {
                number: str(eta)[:10] for number, eta in c.execute(text("SELECT number, eta FROM purchase_order"))
            },
        }
    path.write_text(json.dumps(state))


def verify(before_path: Path, writes_path: Path) -> int:
    """Every confirmed write is in the database exactly once, nothing else was written, and no ETA
    revision was made against a stale ETA (each one starts where the previous one ended)."""
    from sqlalchemy import text

    before = json.loads(before_path.read_text())
    writes = json.loads(writes_path.read_text())
    ok = [w for w in writes if w["outcome"] == "ok"]
    unknown = [w for w in writes if w["outcome"] == "unknown"]
    problems: list[str] = []
    prefix = f"{NOTE_PREFIX} {writes[0]['run'] if writes else RUN} %"
    with _engine().connect() as c:

        def count(sql: str, **params) -> int:
            return c.execute(text(sql), params).scalar_one()

        lines = []
        for kind, table, audit_action in (
            ("contact", "contact_log", "log_contact"),
            ("eta", "eta_revision", "revise_eta"),
        ):
            confirmed = [w for w in ok if w["kind"] == kind]
            maybe = [w for w in unknown if w["kind"] == kind]
            rows_added = count(f"SELECT count(*) FROM {table}") - before[table]
            audit_key = "audit_" + audit_action
            audits_added = (
                count("SELECT count(*) FROM audit_event WHERE action = :a", a=audit_action) - before[audit_key]
            )
            tagged = dict(
                c.execute(
                    text(f"SELECT note, count(*) FROM {table} WHERE note LIKE :p GROUP BY note"), {"p": prefix}
                ).all()
            )
            missing = [w["note"] for w in confirmed if tagged.get(w["note"], 0) != 1]
            expected = {w["note"] for w in confirmed} | {w["note"] for w in maybe}
            unexpected = sorted(set(tagged) - expected)
            lines.append(
                f"{table}: {len(confirmed)} writes confirmed to locust ({len(maybe)} unanswered), "
                f"{rows_added} rows added, {audits_added} '{audit_action}' audit events added"
            )
            if missing:
                problems.append(f"{table}: {len(missing)} confirmed writes not found exactly once, e.g. {missing[:3]}")
            if unexpected:
                problems.append(f"{table}: {len(unexpected)} rows locust never saw confirmed, e.g. {unexpected[:3]}")
            if not maybe and not (rows_added == audits_added == len(confirmed)):
                problems.append(f"{table}: added {rows_added} rows / {audits_added} audits for {len(confirmed)} writes")
            if maybe and not (len(confirmed) <= rows_added <= len(confirmed) + len(maybe)):
                problems.append(f"{table}: added {rows_added} rows for {len(confirmed)} (+{len(maybe)} unanswered)")

        # Lost-update check on the contended rows: each PO's revisions during the run form one chain,
        # from its ETA before the run to its ETA now; two writers working from the same stale ETA
        # would leave two revisions with the same old_eta (a lost update).
        chains = c.execute(
            text(
                "SELECT p.number, r.old_eta, r.new_eta, p.eta FROM eta_revision r "
                "JOIN purchase_order p ON p.id = r.po_id WHERE r.id > :m ORDER BY p.number, r.id"
            ),
            {"m": before["max_eta_revision_id"]},
        ).all()
        broken = 0
        by_po: dict[str, list] = {}
        for number, old_eta, new_eta, eta_now in chains:
            by_po.setdefault(number, []).append((str(old_eta)[:10], str(new_eta)[:10], str(eta_now)[:10]))
        for number, revisions in by_po.items():
            expected_old = before["po_eta"].get(number)
            for old_eta, new_eta, _now in revisions:
                if old_eta != expected_old:
                    broken += 1
                    problems.append(f"{number}: a revision started from {old_eta}, but the ETA was {expected_old}")
                expected_old = new_eta
            if revisions[-1][2] != expected_old:
                broken += 1
                problems.append(f"{number}: ETA is {revisions[-1][2]}, the last revision set {expected_old}")
        lines.append(f"ETA chains: {len(by_po)} POs revised {len(chains)} times, {broken} broken links")
        conflicts = sum(1 for w in writes if w["outcome"] == "conflict")
        lines.append(f"stale-version refusals (optimistic lock): {conflicts}")

    print("\n".join(lines))
    if problems:
        print("LOST-UPDATE CHECK FAILED:\n  " + "\n  ".join(problems[:20]))
        return 1
    print("lost-update check: OK (every confirmed write stored exactly once, no extra rows, ETA chains unbroken)")
    return 0


def summary(stats_csv: Path) -> None:
    """Locust's stats CSV as a Markdown table (p50/p95 in ms)."""
    import csv

    print("| Request | Requests | Failures | p50 ms | p95 ms | max ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with stats_csv.open() as f:
        for row in csv.DictReader(f):
            name = row["Name"] if row["Name"] != "Aggregated" else "**All requests**"
            print(
                f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} "
                f"| {float(row['Max Response Time']):.0f} | {float(row['Requests/s']):.1f} |"
            )


if __name__ == "__main__":
    usage = "usage: loadtest.py snapshot BEFORE.json | verify BEFORE.json WRITES.json | summary STATS.csv"
    if len(sys.argv) == 3 and sys.argv[1] == "snapshot":
        snapshot(Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "verify":
        sys.exit(verify(Path(sys.argv[2]), Path(sys.argv[3])))
    elif len(sys.argv) == 3 and sys.argv[1] == "summary":
        summary(Path(sys.argv[2]))
    else:
        sys.exit(usage)
    sys.exit(0)


# --------------------------------------------------------------------------------------------
# The locust scenario
# --------------------------------------------------------------------------------------------

from locust import HttpUser, between, events, task  # noqa: E402

WRITES: list[dict] = []
_serial = itertools.count(1)


@events.init.add_listener
def _bounded(environment, **_kwargs) -> None:
    """Refuse anything but a short local run."""
    options = environment.parsed_options
    host = (environment.host or (options.host if options else "") or "").rstrip("/")
    if not re.fullmatch(r"http://127\.0\.0\.1(:\d+)?", host):
        sys.exit(f"loadtest: refusing host {host!r}: only http://127.0.0.1[:PORT]")
    if options is not None:
        if not options.headless:
            sys.exit("loadtest: run it --headless")
        if not 1 <= options.num_users <= MAX_USERS:
            sys.exit(f"loadtest: -u must be 1..{MAX_USERS}")
        if not options.run_time or options.run_time > MAX_SECONDS:
            sys.exit(f"loadtest: -t is required and at most {MAX_SECONDS}s")


@events.test_stop.add_listener
def _save_writes(**_kwargs) -> None:
    WRITES_PATH.parent.mkdir(parents=True, exist_ok=True)
    WRITES_PATH.write_text(json.dumps(WRITES, indent=0))


@events.quitting.add_listener
def _save_final_stats(environment, **_kwargs) -> None:
    """Locust's --csv file is last written when the time is up; this one also counts the requests
    that finish during --stop-timeout (the users complete their current action)."""
    if STATS_PATH is None:
        return
    import csv

    from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

    with STATS_PATH.open("w", newline="") as f:
        StatsCSV(environment, PERCENTILES_TO_REPORT).requests_csv(csv.writer(f))


def _note() -> str:
    return f"{NOTE_PREFIX} {RUN} #{next(_serial)}"


def _components(tree):
    """Every component in a serialised Dash layout, depth first."""
    if isinstance(tree, list):
        for item in tree:
            yield from _components(item)
    elif isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            yield tree
        for value in (tree.get("props") or {}).values():
            yield from _components(value)


def _layout_values(tree) -> dict[str, object]:
    """ "id.property" -> value for every component with a plain string id: what the renderer sends."""
    values = {}
    for node in _components(tree):
        props = node["props"]
        if isinstance(props.get("id"), str):
            for key, value in props.items():
                values[f"{props['id']}.{key}"] = value
    return values


def _why(r) -> str:
    """A failed response in a few words: the connection error (status 0), or the status and body."""
    if r.status_code == 0:
        return f"no response: {r.error!r}"[:300]
    return f"HTTP {r.status_code}: {(r.text or '')[:250]}"


def _has_red_alert(tree) -> bool:
    """Whether a callback's answer holds a danger-coloured dbc.Alert anywhere (how the app reports errors)."""
    if isinstance(tree, list):
        return any(_has_red_alert(item) for item in tree)
    if isinstance(tree, dict):
        if tree.get("type") == "Alert" and (tree.get("props") or {}).get("color") == "danger":
            return True
        return any(_has_red_alert(value) for value in tree.values())
    return False


class DeskUser(HttpUser):
    """A signed-in desk user; subclasses say which role and what it does."""

    abstract = True
    username = ""
    wait_time = between(1, 3)  # think time between actions

    def on_start(self) -> None:
        self.deps: dict[str, dict] = {}
        with self.client.get("/login", name="GET /login", catch_response=True, timeout=TIMEOUT_S) as r:
            token = CSRF_FIELD.search(r.text or "")
            if r.status_code != 200 or not token:
                r.failure(f"login form: {_why(r)}")
                self.stop()
                return
        data = {"username": self.username, "password": f"demo-{self.username}", "csrf_token": token.group(1)}
        with self.client.post(
            "/login", data=data, name="POST /login", allow_redirects=False, catch_response=True, timeout=TIMEOUT_S
        ) as r:
            if r.status_code != 302:
                r.failure(f"sign-in as {self.username}: {_why(r)}")
                self.stop()
                return
        # What the browser loads next: the layout and the callback list.
        with self.client.get("/_dash-layout", name="GET /_dash-layout", catch_response=True, timeout=TIMEOUT_S) as r:
            if r.status_code != 200:
                r.failure(_why(r))
        with self.client.get(
            "/_dash-dependencies", name="GET /_dash-dependencies", catch_response=True, timeout=TIMEOUT_S
        ) as r:
            if r.status_code != 200:
                r.failure(_why(r))
                self.stop()
                return
            self.callbacks = [e for e in r.json() if not e.get("clientside_function")]

    # -- Dash plumbing ----------------------------------------------------------------------

    def _find(self, *, output: str | None = None, trigger: str | None = None) -> dict:
        """The callback writing ``output`` (a substring of its output key) or fired by ``trigger`` ("id.prop")."""
        for entry in self.callbacks:
            if output is not None and output in entry["output"]:
                return entry
            if trigger is not None and any(f"{i['id']}.{i['property']}" == trigger for i in entry["inputs"]):
                return entry
        raise LookupError(output or trigger)

    @staticmethod
    def _body(entry: dict, changed: str, values: dict) -> dict:
        """The JSON the renderer posts for ``entry``; ``values`` maps "id.property" to a value."""

        def spec(items):
            return [
                {"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
                for i in items
            ]

        output = entry["output"]
        outputs = [{"id": p.split(".")[0], "property": p.split(".")[1]} for p in output.strip(".").split("...")]
        return {
            "output": output,
            "outputs": outputs if output.startswith("..") else outputs[0],
            "inputs": spec(entry["inputs"]),
            "state": spec(entry["state"]),
            "changedPropIds": [changed],
        }

    def callback(self, name, entry, changed, values, *, expect=None, refusal_ok=False) -> dict | None:
        """POST one callback as the renderer does; returns the decoded "response" (None on failure).

        A red alert in the answer is a failure unless ``refusal_ok`` (a form check the user would fix).
        """
        body = self._body(entry, changed, values)
        with self.client.post(
            "/_dash-update-component", json=body, name=name, catch_response=True, timeout=TIMEOUT_S
        ) as r:
            if r.status_code != 200:
                r.failure(_why(r))
                return None
            try:
                answer = r.json()
            except ValueError:
                r.failure("not JSON")
                return None
            side = answer.get("sideUpdate") or {}
            # Errors come back as the global error, or as a red alert in a page's *-alert / *-feedback
            # slot (a red alert inside a panel's content, e.g. "past its promised date", is content).
            slots = {k: v for k, v in {**(answer.get("response") or {}), **side}.items() if k.endswith(ERROR_SLOTS)}
            if "global-error" in side or (not refusal_ok and _has_red_alert(slots)):
                r.failure(f"app error: {json.dumps(answer)[:300]}")
                return None
            if expect and expect not in r.text:
                r.failure(f"{expect!r} missing from the answer")
                return None
            return answer.get("response") or {}

    def write(self, name: str, entry: dict, changed: str, values: dict, record: dict, done: str, stale: str = ""):
        """POST a write; ``record`` (already in WRITES) gets its outcome: ok, conflict, refused or unknown.

        ``done`` is the success message. ``stale`` is the optimistic-lock refusal: a correct answer under
        contention (nothing saved, the user is told to reload), so not a failure; it is counted apart.
        """
        with self.client.post(
            "/_dash-update-component",
            json=self._body(entry, changed, values),
            name=name,
            catch_response=True,
            timeout=TIMEOUT_S,
        ) as r:
            text = r.text or ""
            if r.status_code != 200 or "global-error" in text:
                r.failure(_why(r))  # outcome stays "unknown"
                return False
            if done in text:
                record["outcome"] = "ok"
                return True
            if stale and stale in text:
                record["outcome"] = "conflict"
                events.request.fire(
                    request_type="NOTE",
                    name=f"{name}: stale version, refused",
                    response_time=0,
                    response_length=0,
                    exception=None,
                    context={},
                )
                return False
            record["outcome"] = "refused"
            r.failure(f"refused: {text[:300]}")
            return False

    def open_page(self, path: str, marker: str) -> dict:
        """Navigate: the page-routing callback; returns the new page's "id.property" values."""
        body = {
            "output": PAGES,
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
            "state": [],
            "changedPropIds": ["_pages_location.pathname"],
        }
        with self.client.post(
            "/_dash-update-component", json=body, name=f"page {path}", catch_response=True, timeout=TIMEOUT_S
        ) as r:
            if r.status_code != 200 or f'"{marker}"' not in (r.text or ""):
                r.failure(_why(r) if r.status_code != 200 else f"{marker!r} missing from the page")
                return {}
            return _layout_values(r.json()["response"]["_pages_content"]["children"])

    def on_load(self, page: dict, name: str, output: str, changed: str) -> dict | None:
        """A callback the page fires on load, with the layout's values."""
        return self.callback(name, self._find(output=output), changed, page)

    def grid_rows(self, page: dict, grid: str, name: str, sort: list | None = None, start: int = 0) -> dict | None:
        """The infinite row model asking for one block of rows."""
        request = {"startRow": start, "endRow": start + 100, "sortModel": sort or [], "filterModel": {}}
        values = {**page, f"{grid}.getRowsRequest": request}
        answer = self.callback(name, self._find(trigger=f"{grid}.getRowsRequest"), f"{grid}.getRowsRequest", values)
        return None if answer is None else answer[grid]["getRowsResponse"]

    # -- pages --------------------------------------------------------------------------------

    def overview(self) -> None:
        self.open_page("/", "card-open-backorders")

    def backorders(self, sort: list | None = None) -> tuple[dict, dict | None]:
        page = self.open_page("/backorders", "bo-grid")
        if not page:
            return page, None
        self.on_load(page, "cb backorders cards+aging", "bo-cards.children", "bo-warehouse.value")
        return page, self.grid_rows(page, "bo-grid", "cb backorders grid rows", sort)

    def kpis(self) -> None:
        page = self.open_page("/kpis", "kpi-dates")
        if page:
            self.on_load(page, "cb kpis report", "kpi-headline.children", "kpi-dates.start_date")
            self.on_load(page, "cb kpis breakdown", "kpi-breakdown-table.children", "kpi-dimension.value")

    def replenishment(self) -> None:
        page = self.open_page("/replenishment", "repl-grid")
        if page:
            self.on_load(page, "cb replenishment cards+chart", "repl-cards.children", "repl-condition.value")
            self.grid_rows(page, "repl-grid", "cb replenishment grid rows")

    def inbound(self, sort: list | None = None, start: int = 0) -> tuple[dict, dict | None]:
        page = self.open_page("/inbound", "in-grid")
        return page, (self.grid_rows(page, "in-grid", "cb inbound grid rows", sort, start) if page else None)

    def suppliers(self) -> None:
        page = self.open_page("/suppliers", "sup-grid")
        if page:
            self.on_load(page, "cb suppliers scorecard", "sup-grid.rowData", "sup-dates.start_date")

    def notifications(self) -> None:
        page = self.open_page("/notifications", "nt-grid")
        if page:
            self.grid_rows(page, "nt-grid", "cb notifications grid rows")

    def audit(self) -> None:
        page = self.open_page("/audit", "audit-grid")
        if page:
            self.grid_rows(page, "audit-grid", "cb audit grid rows")


SORTS = [
    None,
    [{"colId": "promised_date", "sort": "asc"}],
    [{"colId": "qty_waiting", "sort": "desc"}],
    [{"colId": "sku", "sort": "asc"}],
]


class SupportUser(DeskUser):
    """Customer support: works the backorder queue, logs customer contacts, checks the outbox."""

    weight = 3
    username = "support"

    @task(1)
    def open_overview(self) -> None:
        self.overview()

    @task(3)
    def work_the_queue(self) -> None:
        self.backorders(random.choice(SORTS))

    @task(1)
    def open_notifications(self) -> None:
        self.notifications()

    @task(3)
    def log_contact(self) -> None:
        """Open a waiting line from the queue and log a phone call (WRITE)."""
        page, rows = self.backorders()
        if not rows or not rows.get("rowData"):
            return
        line = random.choice(rows["rowData"])
        opened = self.callback(
            "cb backorders open line",
            self._find(output="bo-offcanvas.is_open"),
            "bo-grid.cellClicked",
            {"bo-grid.cellClicked": {"rowId": str(line["line_id"]), "colId": "sku"}},
            expect="bo-log-contact",
        )
        if opened is None:
            return
        note = _note()
        values = {
            "bo-log-contact.n_clicks": 1,
            "bo-selected.data": opened["bo-selected"]["data"],
            "bo-contact-channel.value": random.choice(["phone", "email"]),
            "bo-contact-outcome.value": "reached",
            "bo-contact-note.value": note,
        }
        record = {"kind": "contact", "run": RUN, "note": note, "line_id": line["line_id"], "outcome": "unknown"}
        WRITES.append(record)
        self.write(
            "WRITE log contact",
            self._find(trigger="bo-log-contact.n_clicks"),
            "bo-log-contact.n_clicks",
            values,
            record,
            done="Contact logged",
        )
        # The page refreshes its cards and the rows on screen after an action.
        self.on_load(page, "cb backorders cards+aging", "bo-cards.children", "bo-changed.data")
        self.grid_rows(page, "bo-grid", "cb backorders grid rows")


class ManagerUser(DeskUser):
    """Operations manager: everything support sees plus KPIs, supply pages, audit; revises PO ETAs."""

    weight = 1
    username = "manager"

    @task(1)
    def open_overview(self) -> None:
        self.overview()

    @task(2)
    def open_backorders(self) -> None:
        self.backorders(random.choice(SORTS))

    @task(1)
    def open_kpis(self) -> None:
        self.kpis()

    @task(2)
    def open_replenishment(self) -> None:
        self.replenishment()

    @task(1)
    def open_audit(self) -> None:
        self.audit()

    @task(3)
    def revise_eta(self) -> None:
        """Open a PO from /inbound, preview a new ETA, confirm it (WRITE)."""
        page, rows = self.inbound([{"colId": "waiting_lines", "sort": "desc"}])
        if not rows or not rows.get("rowData"):
            return
        po = random.choice(rows["rowData"][:20])  # a few hot POs: managers contend for the same rows
        opened = self.callback(
            "cb inbound open PO",
            self._find(output="po-offcanvas.is_open"),
            "in-grid.cellClicked",
            {"in-grid.cellClicked": {"rowId": po["number"]}},
            expect="po-preview",
        )
        if opened is None:
            return
        note = _note()
        form = {
            "po-selected.data": opened["po-selected"]["data"],
            "po-new-eta.value": (TODAY + dt.timedelta(days=random.randint(7, 120))).isoformat(),
            "po-confirmed.value": random.choice([True, False]),
            "po-cause.value": random.choice(["supplier_delay", "transport", "customs"]),
            "po-note.value": note,
        }
        preview = self.callback(
            "cb inbound ETA preview",
            self._find(trigger="po-preview.n_clicks"),
            "po-preview.n_clicks",
            {**form, "po-preview.n_clicks": 1},
            refusal_ok=True,
        )
        if preview is None:
            return
        signature = preview["po-previewed"]["data"]
        if signature is None:  # the preview refused the date (e.g. "already has that ETA"): a user would pick again
            events.request.fire(
                request_type="NOTE",
                name="ETA preview refused",
                response_time=0,
                response_length=0,
                exception=None,
                context={},
            )
            return
        record = {"kind": "eta", "run": RUN, "note": note, "po": po["number"], "new_eta": form["po-new-eta.value"]}
        record["outcome"] = "unknown"
        WRITES.append(record)
        values = {**form, "po-confirm.n_clicks": 1, "po-previewed.data": signature}
        if self.write(
            "WRITE revise ETA",
            self._find(trigger="po-confirm.n_clicks"),
            "po-confirm.n_clicks",
            values,
            record,
            done="ETA now",
            stale="after you loaded it",
        ):
            self.grid_rows(page, "in-grid", "cb inbound grid rows")


class ExecutiveUser(DeskUser):
    """Executive: read-only; KPIs, supply and the backorder queue."""

    weight = 1
    username = "executive"

    @task(1)
    def open_overview(self) -> None:
        self.overview()

    @task(3)
    def open_kpis(self) -> None:
        self.kpis()

    @task(1)
    def open_backorders(self) -> None:
        self.backorders(random.choice(SORTS))

    @task(1)
    def open_inbound(self) -> None:
        self.inbound()

    @task(1)
    def open_suppliers(self) -> None:
        self.suppliers()

    @task(1)
    def open_replenishment(self) -> None:
        self.replenishment()
