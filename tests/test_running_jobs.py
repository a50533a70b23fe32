"""Each key's processing jobs: counted, oldest first, taken out wherever they end."""

from __future__ import annotations

from mockserver.core.running_jobs import RunningJobs


def test_counts_per_key_and_keeps_the_oldest_first() -> None:
    running = RunningJobs()
    for job_id in ("a", "b", "c"):
        running.add("key", job_id)
    running.add("other", "x")
    assert (running.count("key"), running.count("other"), running.count("nobody")) == (3, 1, 0)
    running.discard("key", "a")  # the usual case: the oldest ends first
    running.discard("key", "c")  # ended early, by the control plane
    running.discard("key", "zzz")  # never there, or already gone: no error
    running.discard("nobody", "a")
    assert list(running.of("key")) == ["b"] and list(running.of("nobody")) == []
    running.clear()
    assert running.count("key") == 0
