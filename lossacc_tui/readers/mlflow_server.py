"""An MLflow tracking server (`lossacc-tui watch http://host:5000`, or `mlflow+http://...`), read
through its REST API (mlflow.org/docs/latest/rest-api.html) with the standard library's urllib.

One run per live MLflow run on the server (deleted runs and experiments left out), named
`<server> <experiment>/<run>`. `experiments/search` and `runs/search` (POST, paged) list them with
each metric's latest value; a run's metric whose latest (timestamp, step, value) changed since the
last check has its history fetched again (`metrics/get-history`, GET, paged), and only the values
not read before become points (a value is identified by timestamp, step and value, as MLflow's own
primary key does). The API has no "since" for a history, so a metric's whole history comes each
time it changed: a long one is asked for at most every 5 times its last fetch took (`BUSY_FACTOR`).
x = `step`, time = `timestamp` (ms -> s). Params (`data.params`) are kept on the reader for the run
summary.

The server is asked again at each check (`ServerFollow` polls it for `watch` and `check --follow`).
An unreachable server (refused, timed out, not MLflow) is one line: a `PathError` for `check`, a
status line while following, and the next check retries; the history is the server's, so nothing is
lost while it is away. `MLFLOW_TRACKING_TOKEN` or `MLFLOW_TRACKING_USERNAME`/`_PASSWORD` are sent
as MLflow's own client sends them.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from lossacc_tui.model import Batch, BatchBuilder
from lossacc_tui.readers.base import Reader, clean_text
from lossacc_tui.readers.layouts import Claim

if TYPE_CHECKING:
    from urllib.error import HTTPError
from lossacc_tui.readers.registry import register

_URL = re.compile(r"^(?:mlflow\+)?(https?):/+(.+)$", re.IGNORECASE)
API = "/api/2.0/mlflow/"
TIMEOUT = 5.0  # seconds for one request
PAGE = 1000  # runs and experiments per search page
HISTORY_PAGE = 25_000  # the server's own maximum per get-history page
DEFAULT_POLL = 2.0  # seconds between checks while following
BUSY_FACTOR = 5.0  # a metric's history is asked for again after this many times its last fetch took


def server_url(path: str | Path) -> str | None:
    """`http://host:5000` (or `mlflow+https://...`) as the server's base URL; None for a path.
    A URL that went through `pathlib.Path` (which folds `//` into `/`) is recognised too."""
    m = _URL.match(str(path))
    return None if m is None else f"{m[1].lower()}://{m[2].rstrip('/')}"


class ServerError(Exception):
    """The server could not be asked (one line, naming the server)."""


class MlflowServer:
    """One tracking server's REST API, shared by the readers of its runs. The latest `runs/search`
    answer is kept (`runs`), so a check of N runs costs one search, not N."""

    def __init__(self, url: str, timeout: float = TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout
        self._runs: dict[str, dict[str, Any]] = {}
        self._runs_at = -math.inf
        self._lock = threading.Lock()

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        token = os.environ.get("MLFLOW_TRACKING_TOKEN")
        user, password = (
            os.environ.get("MLFLOW_TRACKING_USERNAME"),
            os.environ.get("MLFLOW_TRACKING_PASSWORD"),
        )
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif user and password:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return headers

    def call(
        self, endpoint: str, body: dict[str, Any] | None = None, query: dict[str, Any] | None = None
    ) -> Any:
        """One request (POST with a JSON body, else GET); raises ServerError."""
        import urllib.error  # with urllib.request: http.client and email, 0.1 s; only to reach a server
        import urllib.parse
        import urllib.request

        url = self.url + API + endpoint + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            url, data=data, headers=self._headers(), method="GET" if data is None else "POST"
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            detail = _error_detail(e)
            raise ServerError(
                f"{self.url}: the server answered {endpoint} with HTTP {e.code}{detail}"
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as e:
            why = getattr(e, "reason", None) or e
            raise ServerError(f"{self.url}: cannot reach the MLflow tracking server ({why})") from None
        try:
            return json.loads(raw)
        except ValueError:
            raise ServerError(
                f"{self.url}: {endpoint} did not answer JSON (not an MLflow tracking server?)"
            ) from None

    def _paged(self, endpoint: str, field: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        token = None
        while True:
            doc = self.call(endpoint, {**body, **({"page_token": token} if token else {})})
            if not isinstance(doc, dict):
                raise ServerError(f"{self.url}: {endpoint} answered something that is not an MLflow reply")
            out += [x for x in doc.get(field, []) if isinstance(x, dict)]
            token = doc.get("next_page_token")
            if not token:
                return out

    def refresh(self) -> dict[str, dict[str, Any]]:
        """Every live run (run id -> the `runs/search` entry: info, data.metrics, data.params),
        oldest first; raises ServerError."""
        exps = self._paged(
            "experiments/search", "experiments", {"max_results": PAGE, "view_type": "ACTIVE_ONLY"}
        )
        names = {str(e.get("experiment_id")): str(e.get("name", "")) for e in exps}
        runs: list[dict[str, Any]] = []
        ids = list(names)
        for k in range(0, len(ids), 100):
            body = {"experiment_ids": ids[k : k + 100], "max_results": PAGE, "run_view_type": "ACTIVE_ONLY"}
            runs += self._paged("runs/search", "runs", body)
        runs.sort(key=lambda r: (int(r.get("info", {}).get("start_time") or 0), _run_id(r)))
        out = {}
        for r in runs:
            r["experiment_name"] = names.get(str(r.get("info", {}).get("experiment_id")), "")
            out[_run_id(r)] = r
        with self._lock:
            self._runs, self._runs_at = out, time.monotonic()
        return out

    def runs(self, max_age: float = 1.0) -> dict[str, dict[str, Any]]:
        """The runs as last listed, listed again when that is older than `max_age` seconds."""
        with self._lock:
            fresh = time.monotonic() - self._runs_at <= max_age
            runs = self._runs
        return runs if fresh else self.refresh()

    def history(self, run_id: str, key: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        token = None
        while True:
            query = {"run_id": run_id, "metric_key": key, "max_results": HISTORY_PAGE}
            doc = self.call(
                "metrics/get-history", query={**query, **({"page_token": token} if token else {})}
            )
            if not isinstance(doc, dict):
                raise ServerError(
                    f"{self.url}: metrics/get-history answered something that is not an MLflow reply"
                )
            out += [m for m in doc.get("metrics", []) if isinstance(m, dict)]
            token = doc.get("next_page_token")
            if not token:
                return out


def _error_detail(e: HTTPError) -> str:
    try:
        doc = json.loads(e.read() or b"{}")
    except (ValueError, OSError):
        return ""
    msg = doc.get("message") if isinstance(doc, dict) else None
    return f": {clean_text(str(msg))[:120]}" if msg else ""


def _run_id(run: dict[str, Any]) -> str:
    info = run.get("info", {})
    return str(info.get("run_id") or info.get("run_uuid") or "")


def _float(v: Any) -> float | None:
    try:
        return float(v)  # numbers, and NaN / Infinity as strings
    except (TypeError, ValueError):
        return None


@register
class MlflowServerReader(Reader):
    """The metrics of one run on a tracking server, asked for at each check (`feed`/`finish`)."""

    format_id: ClassVar[str] = "mlflow-server"
    binary: ClassVar[bool] = True
    empty_hint: ClassVar[str | None] = "this MLflow run has logged no metric yet"
    #: Source.read_all does not read bytes: the reader asks the server itself.
    reads_itself: ClassVar[bool] = True

    @classmethod
    def sniff(cls, name: str, head: str) -> float:
        return 0.0  # a URL, never a file

    def __init__(self, server: MlflowServer | None = None, run_id: str = "") -> None:
        super().__init__()
        self.server = server
        self.run_id = run_id
        self._latest: dict[str, tuple[Any, ...]] = {}  # key -> latest (timestamp, step, value) read
        self._seen: dict[str, set[tuple[Any, ...]]] = {}  # key -> (timestamp, step, value) read
        self._due: dict[str, float] = {}  # key -> when its history may be asked for again
        #: the run's parameters (`mlflow.log_param`), for the run summary
        self.params: dict[str, str] = {}

    def feed(self, chunk: bytes) -> list[Batch]:
        return self._query()

    def finish(self) -> list[Batch]:
        return self._query()

    def _query(self) -> list[Batch]:
        if self.server is None:
            return []
        rows: list[tuple[float, float, str, float]] = []
        try:
            run = self.server.runs().get(self.run_id)
            if run is None:
                return []
            data = run.get("data", {})
            self.params = {
                clean_text(str(p.get("key", ""))): clean_text(str(p.get("value", "")))
                for p in data.get("params", [])
            }
            for m in data.get("metrics", []):
                key = str(m.get("key", ""))
                latest = (m.get("timestamp"), m.get("step"), m.get("value"))
                if not key or self._latest.get(key) == latest or time.monotonic() < self._due.get(key, 0.0):
                    continue
                began = time.monotonic()
                history = self.server.history(self.run_id, key)  # a key is taken whole or not at all
                # the history comes whole each time: a long one is asked for less often, so that
                # asking takes at most about a fifth of the time (and of the server's)
                self._due[key] = began + BUSY_FACTOR * (time.monotonic() - began)
                seen = self._seen.setdefault(key, set())
                for h in history:
                    ident = (h.get("timestamp"), h.get("step"), h.get("value"))
                    value = _float(h.get("value"))
                    if ident in seen or value is None:
                        continue
                    seen.add(ident)
                    rows.append((_float(h.get("step")) or 0.0, _float(h.get("timestamp")) or 0.0, key, value))
                self._latest[key] = latest
        except ServerError as e:  # the keys read before it are kept; the others are asked again
            self.once(f"{e}; will retry")
        return _batch(rows)


def _batch(rows: list[tuple[float, float, str, float]]) -> list[Batch]:
    """New points as records: the values of one step (in time order) are one record, until a key
    comes again within the step."""
    builder = BatchBuilder()
    rows.sort(key=lambda r: (r[0], r[1]))
    record: dict[str, float] = {}
    at: tuple[float, float] | None = None
    for step, stamp, key, value in rows:
        name = clean_text(key) or "?"
        if at is not None and (step != at[0] or name in record):
            builder.add(record, step=at[0], time=at[1] / 1000.0)
            record = {}
        record[name] = value
        at = (step, stamp)
    if at is not None and record:
        builder.add(record, step=at[0], time=at[1] / 1000.0)
    batch = builder.build()
    return [] if batch is None else [batch]


def run_name(run: dict[str, Any]) -> str:
    info = run.get("info", {})
    name = info.get("run_name") or _run_id(run)
    return clean_text(f"{run.get('experiment_name') or info.get('experiment_id', '')}/{name}")


def claims(
    server: MlflowServer, runs: dict[str, dict[str, Any]], skip: set[str] = frozenset()
) -> list[Claim]:  # type: ignore[assignment]
    """One claim (one run) per server run not in `skip`; its name is `<url> <experiment>/<run>`."""
    out = []
    for run_id, run in runs.items():
        if run_id in skip:
            continue
        where = Path(f"{server.url}/#/runs/{run_id}")
        make = functools.partial(MlflowServerReader, server=server, run_id=run_id)
        out.append(
            Claim(Path(server.url), "mlflow-server", [(where, make)], name=f"{server.url} {run_name(run)}")
        )
    return out


class ServerFollow:
    """Asks a server every `interval` seconds on its own thread: `on_new(claims)` for runs not seen
    before, then `on_tick()` (the readers ask for their new points), and `on_status(state, message)`
    when the server stops or starts answering. `stop()` ends the thread."""

    def __init__(
        self,
        server: MlflowServer,
        interval: float,
        on_new: Callable[[list[Claim]], None],
        on_tick: Callable[[], None],
        on_status: Callable[[str, str], None],
        known: set[str] | None = None,
    ) -> None:
        self.server, self.interval = server, interval
        self.on_new, self.on_tick, self.on_status = on_new, on_tick, on_status
        self.known: set[str] = set() if known is None else set(known)
        self._stop = threading.Event()
        self._down: str | None = None
        self._waiting = False  # said that the server has no run yet
        self._thread = threading.Thread(target=self._loop, name=f"mlflow-server {server.url}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def check(self) -> None:
        """One check (what the thread does every `interval` seconds)."""
        try:
            runs = self.server.refresh()
        except ServerError as e:
            if self._down != str(e):
                self._down = str(e)
                self.on_status("error", f"{e}; retrying every {self.interval:g} s")
            return
        if self._down is not None:
            self._down = None
            self.on_status("live", f"{self.server.url}: the MLflow server answers again; following")
        if not runs and not self._waiting:
            self._waiting = True
            self.on_status(
                "waiting", f"{self.server.url}: no runs on this MLflow tracking server yet, waiting for one"
            )
        new = claims(self.server, runs, self.known)
        self.known.update(runs)
        if new:
            self.on_new(new)
        self.on_tick()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.interval)
