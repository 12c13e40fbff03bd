"""An MLflow tracking server read through its REST API: a real `mlflow server` started here on
127.0.0.1 with a temporary SQLite backend, runs logged by the real MLflow client (numpy training).
Runs listed with roles, values and params; followed as they grow; an unreachable server is one
line (check) or one status line (follow) and nothing is lost when it answers again."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy_training import softmax_regression

from lossacc_tui.events import Status
from lossacc_tui.readers.mlflow_server import server_url
from lossacc_tui.source import PathError, discover

mlflow = pytest.importorskip(
    "mlflow", reason="mlflow is not installed: no tracking server to test (pip install '.[mlflow-test]')"
)
START_TIMEOUT = 300.0  # seconds for `mlflow server` to answer (2+ min on a loaded 2-core machine)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real tracking server on a free port, SQLite backend in a temporary folder."""
    tmp = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    cmd = [
        sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
        "--backend-store-uri", f"sqlite:///{tmp / 'mlflow.db'}", "--default-artifact-root", str(tmp / "art"),
        "--workers", "1",
    ]  # fmt: skip
    err = open(tmp / "server.err", "wb")  # noqa: SIM115  (the server's stderr, for a failure message)
    proc = subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while not _answers(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("mlflow server did not start: " + (tmp / "server.err").read_text()[-2000:])
            time.sleep(0.2)
        _log_runs(url)
        yield url
    finally:
        proc.kill()  # (a graceful stop waits on its workers; nothing of it is kept)
        proc.wait(10)
        err.close()


def _client(url: str):  # type: ignore[no-untyped-def]
    return mlflow.MlflowClient(tracking_uri=url)


def _log_runs(url: str) -> None:
    """Two runs of a numpy softmax regression, 8 epochs each, logged as MLflow's client logs them."""
    client = _client(url)
    exp = client.create_experiment("softmax")
    for seed in (0, 1):
        run = client.create_run(exp, run_name=f"seed-{seed}")
        client.log_param(run.info.run_id, "lr", "0.1")
        client.log_param(run.info.run_id, "seed", str(seed))
        _log_epochs(client, run.info.run_id, softmax_regression(epochs=12, seed=seed)[:8], 0)


def _log_epochs(client, run_id: str, rows: list[dict[str, float]], first: int) -> None:  # type: ignore[no-untyped-def]
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    for k, row in enumerate(rows):
        metrics = [Metric(key, value, now + first + k, first + k) for key, value in row.items()]
        client.log_batch(run_id, metrics=metrics)


def _run_id(url: str, name: str) -> str:
    client = _client(url)
    exp = client.get_experiment_by_name("softmax")
    (run,) = [r for r in client.search_runs([exp.experiment_id]) if r.info.run_name == name]
    return str(run.info.run_id)


def test_server_urls_are_recognised() -> None:
    assert server_url("http://host:5000/") == "http://host:5000"
    assert server_url("mlflow+https://tracking.example.com") == "https://tracking.example.com"
    assert server_url(Path("http://host:5000")) == "http://host:5000"  # Path folds the //
    assert server_url("runs/http_logs") is None and server_url("mlruns") is None


def test_check_on_a_server_lists_its_runs_with_roles_values_and_params(server: str) -> None:
    assert [s.name for s in discover(Path("mlflow+" + server + "/"))] == [
        f"{server} softmax/seed-0", f"{server} softmax/seed-1"
    ]  # fmt: skip
    sources = discover(Path(server))
    for s in sources:
        s.read_all()
    runs = {r.name.rsplit("/", 1)[-1]: r for s in sources for r in s.runs}
    assert sorted(runs) == ["seed-0", "seed-1"]
    for seed in (0, 1):
        run = runs[f"seed-{seed}"]
        assert run.name == f"{server} softmax/seed-{seed}" and run.format == "mlflow-server"
        rows = softmax_regression(epochs=8, seed=seed)
        assert {n: s.role for n, s in run.series.items()} == {n: n for n in rows[0]}  # train_loss, ...
        for name, s in run.series.items():
            assert list(s.steps) == list(range(8))
            np.testing.assert_allclose(s.values, [r[name] for r in rows])
        assert run.params == {"lr": "0.1", "seed": str(seed)}
        assert not run.problems


def test_a_server_run_is_followed_as_it_grows(server: str) -> None:
    from test_follow import watch

    m, c = watch(Path(server), poll=0.1)
    try:
        c.wait(lambda: len(m.runs) == 2 and all(len(r.series.get("val_loss", ())) >= 8 for r in m.runs))
        rows = softmax_regression(epochs=12, seed=1)
        _log_epochs(_client(server), _run_id(server, "seed-1"), rows[8:], 8)
        name = f"{server} softmax/seed-1"
        c.wait(lambda: len(c.values(name, "val_loss")) == 12)
        with m.lock:
            (run,) = [r for r in m.runs if r.name == name]
            assert list(run.series["val_loss"].steps) == list(range(12))  # each point once
            np.testing.assert_allclose(run.series["val_acc"].values, [r["val_acc"] for r in rows])
    finally:
        m.stop()


class _Proxy(http.server.ThreadingHTTPServer):
    """Forwards requests to the real server: a tracking server that comes up later."""

    daemon_threads = True

    def __init__(self, port: int, target: str) -> None:
        self.target = target
        super().__init__(("127.0.0.1", port), _Forward)


class _Forward(http.server.BaseHTTPRequestHandler):
    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
        req = urllib.request.Request(
            self.server.target + self.path,  # type: ignore[attr-defined]
            data=body,
            method=self.command,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, data = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, data = e.code, e.read()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _forward

    def log_message(self, *args: object) -> None:
        pass


def test_an_unreachable_server_is_one_line_and_nothing_is_lost_when_it_answers(server: str) -> None:
    from test_follow import watch

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(PathError) as err:  # check: one line, naming the server
        discover(Path(url))
    assert str(err.value).startswith(url) and "cannot reach" in str(err.value) and "\n" not in str(err.value)
    m, c = watch(Path(url), poll=0.1)
    proxy: _Proxy | None = None
    try:
        c.wait(lambda: any(isinstance(e, Status) and e.state == "error" for e in c.events))
        time.sleep(0.5)  # several more checks while it is down: still one line
        down = [e for e in c.events if isinstance(e, Status) and e.state == "error"]
        assert len(down) == 1 and "cannot reach" in down[0].message and "retrying" in down[0].message
        proxy = _Proxy(port, server)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        c.wait(lambda: len(m.runs) >= 2 and all(len(r.series.get("val_loss", ())) >= 8 for r in m.runs))
        assert any(isinstance(e, Status) and e.state == "live" for e in c.events)
        with m.lock:
            run = next(r for r in m.runs if r.name.endswith("seed-0"))
            np.testing.assert_allclose(
                run.series["val_loss"].values, [r["val_loss"] for r in softmax_regression(epochs=8, seed=0)]
            )
    finally:
        m.stop()
        if proxy is not None:
            proxy.shutdown()
