"""The pytest plugin, tested the way users meet it: in a fresh pytest run, through pytester."""

from __future__ import annotations

import re

import pytest

from mockserver.pytest_plugin import DEFAULT_SEED
from mockserver.runtime.config import MockConfig

pytest_plugins = ["pytester"]

ADVANCE_AND_WEBHOOK = """
import httpx
from mockserver import verify_signature

def test_lifecycle(mock_doitong):
    created = httpx.post(
        mock_doitong.rest_url,
        json={"service": "hedra", "text": "Hello there", "avatarId": "professional-1",
              "webhookUrl": mock_doitong.webhook_url},
        headers={"X-API-Key": mock_doitong.api_key},
    ).json()["data"]["avatar"]
    assert created["status"] == "processing"
    mock_doitong.advance(5)
    polled = httpx.get(f"{mock_doitong.rest_url}/{created['id']}",
                       headers={"X-API-Key": mock_doitong.api_key}).json()["data"]["avatar"]
    assert polled["status"] == "completed"
    (hook,) = mock_doitong.received_webhooks()
    assert hook.json["id"] == created["id"]
    assert verify_signature(hook.body, hook.signature, mock_doitong.webhook_secret)
    assert [job["id"] for job in mock_doitong.jobs()] == [created["id"]]
    assert [r["operation"] for r in mock_doitong.requests()] == ["rest.create", "rest.get"]
    assert mock_doitong.deliveries()[0]["status"] == "delivered"
"""


def test_the_fixture_is_there_with_no_conftest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(ADVANCE_AND_WEBHOOK)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_state_does_not_leak_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def create(mock):
            return httpx.post(mock.rest_url, headers={"X-API-Key": mock.api_key},
                json={"service": "hedra", "text": "Hi", "avatarId": "casual-1"}).json()

        def test_first(mock_doitong):
            mock_doitong.set_account(credits=60)
            mock_doitong.fail_next(500, operation="rest.get", times=5)
            mock_doitong.advance(100)
            assert create(mock_doitong)["data"]["avatar"]["creditCost"] == 50
            assert len(mock_doitong.jobs()) == 1

        def test_second(mock_doitong):
            assert mock_doitong.jobs() == []
            assert mock_doitong.faults() == []
            assert mock_doitong.requests() == []
            assert mock_doitong.account("YOUR_API_KEY")["credits"] == 100000
            assert mock_doitong.now() == "2024-01-01T00:00:00Z"
            job = create(mock_doitong)["data"]["avatar"]
            assert job["createdAt"] == "2024-01-01T00:00:00Z"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_the_marker_configures_one_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        def create(mock):
            return httpx.post(mock.rest_url, headers={"X-API-Key": mock.api_key},
                json={"service": "hedra", "text": "Hi", "avatarId": "casual-1"})

        @pytest.mark.mock_doitong(plan="free", credits=60)
        def test_free_and_poor(mock_doitong):
            account = mock_doitong.account("YOUR_API_KEY")
            assert (account["plan"], account["credits"]) == ("free", 60)
            assert create(mock_doitong).status_code == 200
            assert create(mock_doitong).status_code == 429  # one job at a time on free

        @pytest.mark.mock_doitong(scenario="out-of-credits")
        def test_scenario(mock_doitong):
            assert create(mock_doitong).status_code == 200
            assert create(mock_doitong).status_code == 402

        @pytest.mark.mock_doitong(seed=42)
        def test_seed_a(mock_doitong):
            print("ID", create(mock_doitong).json()["data"]["avatar"]["id"])

        @pytest.mark.mock_doitong(seed=42)
        def test_seed_b(mock_doitong):
            print("ID", create(mock_doitong).json()["data"]["avatar"]["id"])

        @pytest.mark.mock_doitong(api_key="test_starter_key")
        def test_other_key(mock_doitong):
            assert mock_doitong.webhook_secret == "whsec_test_starter"
            assert create(mock_doitong).headers["X-RateLimit-Limit"] == "30"

        def test_unmarked_after_marked(mock_doitong):
            account = mock_doitong.account("YOUR_API_KEY")
            assert (account["plan"], account["credits"]) == ("pro", 100000)
            assert mock_doitong.api_key == "YOUR_API_KEY"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=6)
    printed = re.findall(r"ID (\w+)", result.stdout.str())
    assert len(printed) == 2 and printed[0] == printed[1]


def test_ini_and_command_line_options(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmock_doitong_seed = 9\nmock_doitong_job_seconds = 60\n")
    pytester.makepyfile(
        """
        import httpx

        def test_job_time(mock_doitong):
            job = httpx.post(mock_doitong.rest_url, headers={"X-API-Key": mock_doitong.api_key},
                json={"service": "hedra", "text": "Hi", "avatarId": "casual-1"}).json()
            print("ID", job["data"]["avatar"]["id"])
            assert mock_doitong.jobs()[0]["dueAt"] == "2024-01-01T00:01:00Z"
        """
    )
    by_ini = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    by_ini.assert_outcomes(passed=1)
    by_flag = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-s", "--mock-doitong-seed", "9"
    )
    by_other = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-s", "--mock-doitong-seed", "10"
    )

    def printed_id(result: pytest.RunResult) -> str:
        (found,) = re.findall(r"ID (\w+)", result.stdout.str())
        return str(found)

    assert printed_id(by_ini) == printed_id(by_flag) != printed_id(by_other)


def test_an_error_inside_the_server_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_breaks_the_mock(mock_doitong):
            # Sabotage the engine so the next API request raises inside the server.
            def broken(*args, **kwargs):
                raise RuntimeError("engine exploded")
            mock_doitong.app.state.runtime.engine.get_job = broken
            key = {"X-API-Key": "YOUR_API_KEY"}
            response = httpx.get(f"{mock_doitong.rest_url}/x", headers=key)
            assert response.status_code == 500  # the client sees an enveloped 500...

        def test_next_one_is_clean(mock_doitong):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    # ...and the test that caused it fails, naming the error, instead of passing silently.
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*errors inside mock-doitong during this test*", "*engine exploded*"]
    )


def test_xdist_workers_do_not_see_each_others_jobs(pytester: pytest.Pytester) -> None:
    urls = pytester.path / "urls"
    urls.mkdir()
    tests = "\n".join(
        f"""
def test_worker_{index}(mock_doitong):
    import os, httpx
    job = httpx.post(mock_doitong.rest_url, headers={{"X-API-Key": mock_doitong.api_key}},
        json={{"service": "hedra", "text": "Hi", "avatarId": "casual-1"}}).json()
    assert [j["id"] for j in mock_doitong.jobs()] == [job["data"]["avatar"]["id"]]
    worker = os.environ["PYTEST_XDIST_WORKER"]
    with open({str(urls)!r} + "/" + worker, "a") as file:
        file.write(mock_doitong.url + "\\n")
"""
        for index in range(12)
    )
    pytester.makepyfile(tests)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=12)
    by_worker = {path.name: set(path.read_text().split()) for path in urls.iterdir()}
    assert sorted(by_worker) == ["gw0", "gw1"]
    assert all(len(seen) == 1 for seen in by_worker.values())  # one server per worker
    assert by_worker["gw0"] != by_worker["gw1"]  # and not the same one


def test_marker_with_an_unknown_option_fails_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mock_doitong(colour="red")
        def test_bad(mock_doitong):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown option 'colour'*"])


def test_the_plugin_defaults_to_the_mock_s_settings_and_a_fixed_seed(
    pytester: pytest.Pytester,
) -> None:
    config = pytester.parseconfig()
    assert float(config.getini("mock_doitong_job_seconds")) == MockConfig().job_seconds
    assert int(config.getini("mock_doitong_seed")) == DEFAULT_SEED
    assert config.getoption("--mock-doitong-seed") is None  # the ini's then, or DEFAULT_SEED


SPENDING = """
import httpx
import pytest

def create(mock, key="YOUR_API_KEY", **headers):
    return httpx.post(mock.rest_url, headers={"X-API-Key": key, **headers},
        json={"service": "hedra", "text": "Hello, welcome to our platform!",
              "avatarId": "professional-1"})

def test_two_jobs_one_refunded(mock_doitong):
    assert create(mock_doitong).status_code == 200
    assert create(mock_doitong, **{"X-Mock-Fault": "failed"}).status_code == 200
    mock_doitong.advance(30)
    assert [entry.kind for entry in mock_doitong.ledger()] == ["debit", "debit", "refund"]

def test_one_on_free(mock_doitong):
    assert create(mock_doitong, "test_free_key").status_code == 200

@pytest.mark.mock_doitong(plan="starter")
def test_one_on_a_changed_plan(mock_doitong):
    assert create(mock_doitong).status_code == 200

def test_refused_for_want_of_credits(mock_doitong):
    mock_doitong.set_account(credits=10)
    assert create(mock_doitong).status_code == 402

def test_none(mock_doitong):
    pass

def test_without_the_mock():
    pass
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_the_session_summary_says_what_the_run_would_have_spent(
    pytester: pytest.Pytester, workers: list[str]
) -> None:
    pytester.makepyfile(SPENDING)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *workers)
    result.assert_outcomes(passed=6)
    result.stdout.re_match_lines(
        [
            r"=+ mock-doitong: what this run would have spent =+$",
            r"5 tests used the mock: 4 jobs, 159 credits \(212 debited, 53 refunded\)$",
            r"  free +1 job, 53 credits$",
            r"  starter +1 job, 53 credits$",
            r"  pro +2 jobs, 53 credits \(106 debited, 53 refunded\)$",
        ]
    )


def test_a_run_that_never_uses_the_mock_prints_no_summary(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "would have spent" not in result.stdout.str()


def test_max_credits_fails_a_test_that_spends_more_and_passes_one_that_does_not(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        def create(mock, key=None, **headers):
            return httpx.post(mock.rest_url, headers={"X-API-Key": key or mock.api_key, **headers},
                json={"service": "hedra", "text": "Hello, welcome to our platform!",
                      "avatarId": "professional-1"})

        @pytest.mark.mock_doitong(max_credits=100)
        def test_spends_too_much(mock_doitong):
            for _ in range(2):
                assert create(mock_doitong).status_code == 200
            assert create(mock_doitong, "test_free_key").status_code == 200

        @pytest.mark.mock_doitong(max_credits=53)
        def test_spends_exactly_the_limit(mock_doitong):
            assert create(mock_doitong).status_code == 200

        @pytest.mark.mock_doitong(max_credits=60)
        def test_refunds_count_back(mock_doitong):
            assert create(mock_doitong).status_code == 200
            assert create(mock_doitong, **{"X-Mock-Fault": "failed"}).status_code == 200
            mock_doitong.advance(30)

        @pytest.mark.mock_doitong(max_credits=0)
        def test_spends_nothing(mock_doitong):
            assert mock_doitong.ledger() == []

        @pytest.mark.mock_doitong(max_credits=0)
        def test_fails_on_its_own_first(mock_doitong):
            assert create(mock_doitong).status_code == 200
            assert False, "its own failure"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*mock_doitong(max_credits=100): this test spent 159 credits, more than 100: "
            "2 jobs, 106 credits on YOUR_API_KEY; 1 job, 53 credits on test_free_key*",
        ]
    )
    # Only the over-spent test, and it is the test that failed, not its teardown.
    output = result.stdout.str()
    assert re.search(r"FAILED \S+::test_spends_too_much", output)
    # Counted outside the short summary, which repeats each reason (in full where CI is set).
    reported = [line for line in output.splitlines() if not line.startswith("FAILED ")]
    assert "its own failure" in output
    assert sum("this test spent" in line for line in reported) == 1
    assert "ERROR" not in output


def test_a_seed_a_saved_state_could_not_hold_is_refused_by_marker_and_option(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mock_doitong(seed=-1)
        def test_bad(mock_doitong):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*seed must be a whole number from 0 to 9223372036854775807*"])
    option = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--mock-doitong-seed={2**63}")
    assert option.ret != 0
    option.stderr.fnmatch_lines(["*seed must be a whole number from 0 to 9223372036854775807*"])


def test_max_credits_must_be_a_whole_number(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mock_doitong(max_credits="lots")
        def test_bad(mock_doitong):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*max_credits must be a whole number >= 0, got 'lots'*"])


def test_the_audit_poll_floor_is_an_ini_option(pytester: pytest.Pytester) -> None:
    """Polls 2 s apart are fine at the default floor (1 s) and a storm at a floor of 3 s."""
    pytester.makepyfile(
        """
        import httpx

        def test_polls(mock_doitong):
            job = httpx.post(mock_doitong.rest_url, headers={"X-API-Key": mock_doitong.api_key},
                json={"service": "hedra", "text": "Hi", "avatarId": "casual-1"}).json()
            poll = f"{mock_doitong.rest_url}/{job['data']['avatar']['id']}"
            for _ in range(2):
                mock_doitong.advance(2)
                httpx.get(poll, headers={"X-API-Key": mock_doitong.api_key})
            print("KINDS", [finding.kind for finding in mock_doitong.audit()])
        """
    )
    default = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    default.assert_outcomes(passed=1)
    assert "KINDS []" in default.stdout.str()
    pytester.makeini("[pytest]\nmock_doitong_audit_poll_floor = 3\n")
    strict = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    strict.assert_outcomes(passed=1)
    assert "KINDS ['polling-storm']" in strict.stdout.str()


@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_an_ini_option_of_seconds_that_is_no_number_is_a_usage_error(
    pytester: pytest.Pytester, value: str
) -> None:
    pytester.makeini(f"[pytest]\nmock_doitong_audit_poll_floor = {value}\n")
    pytester.makepyfile("def test_any(mock_doitong):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stderr.fnmatch_lines([f"*mock_doitong_audit_poll_floor must be seconds >= 0*{value}*"])
