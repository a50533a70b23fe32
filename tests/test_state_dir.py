"""`serve --state DIR` over real sockets: kill -9 under load, restart, nothing answered is lost."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from receiver import Receiver

from mockserver.core.jobs import JobStatus
from mockserver.runtime.config import MockConfig
from mockserver.runtime.durable_state import DurableState, keep_state
from mockserver.runtime.mock_runtime import MockRuntime
from mockserver.runtime.state_dir import DATABASE, DIRECTORY_VERSION, StateDir

from serve_process import EXECUTABLE, ServeProcess

KEY = "test_unlimited_key"  # no rate or concurrency limit: the load is never refused
FIXTURE_CREDITS = 1_000_000_000
WORKERS = 4
PER_WORKER = 400  # a bound on each worker's requests; the kill comes long before


def serving(state: Path, *more: str) -> ServeProcess:
    return ServeProcess("--state", str(state), "--clock", "virtual", "--seed", "3", "--port", "0",
                        "--job-seconds", "5", *more)  # fmt: skip


def create(client: httpx.Client, hook: str) -> httpx.Response:
    body = {"service": "hedra", "text": "Hello there", "avatarId": "professional-1",
            "webhookUrl": hook}  # fmt: skip
    return client.post("/v1/avatar", json=body, headers={"X-API-Key": KEY})


def load(url: str, hook: str, answered: list[str], stop: threading.Event) -> None:
    """Create jobs until told to stop or the server is gone; note each id answered 2xx."""
    with httpx.Client(base_url=url, timeout=10) as client:
        for _ in range(PER_WORKER):
            if stop.is_set():
                return
            try:
                response = create(client, hook)
            except httpx.HTTPError:
                return  # killed mid-request: this one was never answered
            if response.status_code != 200:
                answered.append(f"answered {response.status_code}: {response.text[:200]}")
                return
            answered.append(response.json()["data"]["avatar"]["id"])


def wait_until(condition: Any, seconds: float) -> bool:
    """Poll a real process's progress, boundedly."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_after_kill_9_mid_load_every_answered_job_is_there_charged_once(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with Receiver() as receiver:
        owed: list[str] = []
        with serving(state) as first:
            with httpx.Client(base_url=first.url, timeout=10) as client:
                # Jobs whose webhooks failed once before the crash: retries are owed.
                receiver.statuses = [500] * 5
                owed = [create(client, receiver.url).json()["data"]["avatar"]["id"]
                        for _ in range(5)]  # fmt: skip
                client.post("/__mock/clock/advance", json={"seconds": 6}).raise_for_status()
                assert receiver.wait_for(5, 10)
            answered: list[str] = []
            stop = threading.Event()
            workers = [
                threading.Thread(target=load, args=(first.url, receiver.url, answered, stop))
                for _ in range(WORKERS)
            ]
            for worker in workers:
                worker.start()
            assert wait_until(lambda: len(answered) >= 150, 60), "the load never got going"
            first.process.send_signal(signal.SIGKILL)  # mid-load: requests are in flight
            first.process.wait(10)
            stop.set()
            for worker in workers:
                worker.join(30)
        assert not [text for text in answered if text.startswith("answered")]
        with serving(state) as second, httpx.Client(base_url=second.url, timeout=30) as client:
            for job_id in answered + owed:
                found = client.get(f"/v1/avatar/{job_id}", headers={"X-API-Key": KEY})
                assert found.status_code == 200, job_id
            debits = [entry for entry in client.get("/__mock/ledger", params={"apiKey": KEY})
                      .json()["entries"] if entry["kind"] == "debit"]  # fmt: skip
            charged = [entry["jobId"] for entry in debits]
            assert len(charged) == len(set(charged))  # each job charged exactly once
            assert set(answered + owed) <= set(charged)
            jobs = client.get("/__mock/jobs", params={"apiKey": KEY}).json()["jobs"]
            assert {job["id"] for job in jobs} == set(charged)
            account = next(a for a in client.get("/__mock/accounts").json()["accounts"]
                           if a["apiKey"] == KEY)  # fmt: skip
            assert account["credits"] == FIXTURE_CREDITS - sum(e["amount"] for e in debits)
            # After restart, on the mock's clock: the jobs end, and every webhook owed goes out.
            client.post("/__mock/clock/advance", json={"seconds": 60}).raise_for_status()
            deliveries = client.get("/__mock/webhooks").json()["deliveries"]
            delivered = {d["jobId"] for d in deliveries if d["status"] == "delivered"}
            assert set(answered + owed) <= delivered
            assert receiver.wait_for(5 + len(delivered), 30)
            arrived = {json.loads(r.body)["id"] for r in receiver.received[5:]}
            assert set(answered + owed) <= arrived


def test_a_second_serve_on_a_held_directory_exits_saying_so(tmp_path: Path) -> None:
    with serving(tmp_path):
        second = subprocess.run(
            [EXECUTABLE, "serve", "--state", str(tmp_path), "--port", "0"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert second.returncode != 0
    assert f"{tmp_path} is in use by another mock-doitong" in second.stderr
    assert "Traceback" not in second.stderr


def refused(state: Path) -> str:
    """What `serve --state` says as it refuses `state`: exit non-zero, no traceback."""
    result = subprocess.run(
        [EXECUTABLE, "serve", "--state", str(state), "--port", "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    return result.stderr


def test_a_corrupt_file_stops_serve_naming_it_and_is_left_as_it_was(tmp_path: Path) -> None:
    database = tmp_path / DATABASE
    database.write_bytes(b"this is not a database at all\x00" * 100)
    before = database.read_bytes()
    message = refused(tmp_path)
    assert str(database) in message and "not an SQLite database" in message
    assert database.read_bytes() == before


def test_another_programs_database_stops_serve_naming_it(tmp_path: Path) -> None:
    database = tmp_path / DATABASE
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE orders (id INTEGER)")
    before = database.read_bytes()
    message = refused(tmp_path)
    assert str(database) in message and "holds no mock-doitong state" in message
    assert database.read_bytes() == before


def set_version(state: Path, version: int) -> None:
    with serving(state) as served:
        httpx.put(f"{served.url}/__mock/accounts/{KEY}", json={"credits": 5}).raise_for_status()
    db = sqlite3.connect(state / DATABASE)
    with db:
        db.execute("UPDATE meta SET value = ? WHERE name = 'version'", (str(version),))
    db.close()  # the last connection: what the WAL held is in the file now


@pytest.mark.parametrize(
    ("version", "says"),
    [(DIRECTORY_VERSION + 1, "newer than this mock-doitong reads"), (0, "version 0 is older")],
)
def test_a_directory_of_another_version_is_refused_saying_which_and_what_to_do(
    tmp_path: Path, version: int, says: str
) -> None:
    set_version(tmp_path, version)
    before = (tmp_path / DATABASE).read_bytes()
    message = refused(tmp_path)
    assert says in message and str(tmp_path / DATABASE) in message
    assert (tmp_path / DATABASE).read_bytes() == before


def timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: timeless(v) for k, v in value.items() if k != "durationMs"}
    if isinstance(value, list):
        return [timeless(item) for item in value]
    return value


def test_a_directory_round_trips_through_a_snapshot_into_another_directory(
    tmp_path: Path,
) -> None:
    with (
        Receiver() as receiver,
        serving(tmp_path / "a") as served,
        httpx.Client(base_url=served.url, timeout=10) as client,
    ):
        for _ in range(3):
            create(client, receiver.url).raise_for_status()
        client.post("/__mock/faults", json={"status": 500, "times": 1, "apiKey": "x"})
        client.post("/__mock/clock/advance", json={"seconds": 6}).raise_for_status()
        create(client, receiver.url).raise_for_status()
        document = client.get("/__mock/state").json()
    with serving(tmp_path / "b") as served:
        httpx.put(f"{served.url}/__mock/state", json=document, timeout=30).raise_for_status()
    with serving(tmp_path / "b") as served:  # restarted: what it holds came from its DIR
        again = httpx.get(f"{served.url}/__mock/state", timeout=30).json()
    assert timeless(again) == timeless(document)


def test_start_up_with_100000_stored_jobs_takes_under_a_second_of_cpu(tmp_path: Path) -> None:
    """The README gives the figure measured. The bound is on this thread's CPU time, which
    other work on a loaded machine (or in this process) stretches far less than the clock's."""
    config = MockConfig(clock=MockConfig.clock.__class__("virtual"), seed=1, job_seconds=5)
    runtime = MockRuntime(config)
    engine = runtime.engine
    account = engine.find_account(KEY)
    assert account is not None
    from mockserver.core.job_request import from_avatar_input  # noqa: PLC0415

    body = {"service": "hedra", "text": "Hello there", "avatarId": "professional-1"}
    request = from_avatar_input(engine.fixtures.catalog, body, "", "rest.create")
    for number in range(100_000):
        engine.create_job(engine.admit(KEY, "X-API-Key", account=account, request_id=number),
                          request)  # fmt: skip
    directory = StateDir(tmp_path)
    durable = DurableState(engine, directory, None)
    directory.write(durable._batch())
    directory.close()
    started, cpu = time.perf_counter(), time.thread_time()
    loaded = MockRuntime(config)
    keep_state(loaded, tmp_path)
    took, cpu = time.perf_counter() - started, time.thread_time() - cpu
    assert len(loaded.engine.jobs) == 100_000
    assert all(job.status is JobStatus.PROCESSING for job in loaded.engine.jobs.values())
    assert cpu < 1, f"start-up took {cpu:.2f} s of CPU"
    assert took < 5, f"start-up took {took:.2f} s"
    assert loaded.durable is not None
    loaded.durable.directory.close()
