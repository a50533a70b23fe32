"""`mock-doitong` as a user runs it: a real process on a real socket."""

from __future__ import annotations

import subprocess

import httpx

from serve_process import EXECUTABLE, ServeProcess


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXECUTABLE, *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_help_lists_the_commands_and_options() -> None:
    top = run_cli("--help")
    assert top.returncode == 0
    assert "serve" in top.stdout and "schema" in top.stdout
    serve = run_cli("serve", "--help")
    for option in ("--host", "--port", "--fixtures", "--seed", "--clock", "--job-seconds"):
        assert option in serve.stdout
    assert "MOCK_DOITONG_PORT" in serve.stdout


def test_schema_prints_the_sdl() -> None:
    result = run_cli("schema")
    assert result.returncode == 0
    assert "generate(input: GenerateInput!): Generation!" in result.stdout
    assert "generateAvatar(input: AvatarGenerationInput!): Avatar!" in result.stdout


def test_serve_on_port_zero_prints_urls_keys_and_secrets() -> None:
    with ServeProcess("--port", "0") as served:
        banner = served.banner()
        assert served.url.startswith("http://127.0.0.1:")
        assert not served.url.endswith(":0")
        assert f"POST {served.url}/graphql" in banner
        assert f"POST {served.url}/v1/avatar" in banner
        assert "YOUR_API_KEY" in banner and "whsec_your_webhook_secret" in banner
        response = httpx.post(
            f"{served.url}/v1/avatar",
            json={"service": "hedra", "text": "Hi there", "avatarId": "professional-1"},
            headers={"X-API-Key": "YOUR_API_KEY"},
        )
        assert response.status_code == 200
        assert response.json()["data"]["avatar"]["status"] == "processing"


def test_environment_variables_mirror_the_flags() -> None:
    env = {"MOCK_DOITONG_PORT": "0", "MOCK_DOITONG_CLOCK": "virtual", "MOCK_DOITONG_SEED": "5"}
    with ServeProcess(env=env) as served:
        assert "Clock    virtual" in served.banner() and "seed 5" in served.banner()
        clock = httpx.get(f"{served.url}/__mock/clock").json()
        assert clock["mode"] == "virtual"


def test_virtual_clock_with_job_seconds_over_the_wire() -> None:
    with (
        ServeProcess(
            "--port", "0", "--clock", "virtual", "--job-seconds", "10", "--seed", "3"
        ) as served,
        httpx.Client(base_url=served.url, headers={"X-API-Key": "YOUR_API_KEY"}) as http,
    ):
        job = http.post(
            "/v1/avatar", json={"service": "hedra", "text": "Hi", "avatarId": "casual-1"}
        ).json()["data"]["avatar"]
        http.post("/__mock/clock/advance", json={"seconds": 10})
        done = http.get(f"/v1/avatar/{job['id']}").json()["data"]["avatar"]
        assert done["status"] == "completed"
        video = http.get(done["videoUrl"])
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"


def test_bad_fixtures_directory_is_a_clear_error(tmp_path: object) -> None:
    result = run_cli("serve", "--port", "0", "--fixtures", str(tmp_path))
    assert result.returncode != 0
    assert "bad fixtures" in result.stderr and "plans.json" in result.stderr


def test_bad_flag_values_are_refused() -> None:
    assert "Invalid value for '--clock'" in run_cli("serve", "--clock", "sometimes").stderr
    assert "--clock-start" in run_cli("serve", "--clock-start", "yesterday").stderr


def test_clock_start_outside_what_the_clock_can_show_is_refused_naming_the_limit() -> None:
    for start in ("9999-12-31T23:59:58Z", "9000-01-01T00:00:01Z", "1969-12-31T23:59:59Z"):
        result = run_cli("serve", "--port", "0", "--clock-start", start)
        assert result.returncode == 2, result.stdout
        assert "--clock-start" in result.stderr
        assert "1970-01-01T00:00:00Z" in result.stderr and "9000-01-01T00:00:00Z" in result.stderr


def test_settings_whose_timestamps_would_pass_the_calendar_are_refused() -> None:
    """A job or webhook retry 1,000 years ahead of a clock near its limit is not representable."""
    for flags in (("--job-seconds", "1e11"), ("--webhook-attempts", "2000")):
        result = run_cli("serve", "--port", "0", *flags)
        assert result.returncode == 2, result.stdout
        assert "999 years" in result.stderr


def test_webhook_allow_and_deny_flags_and_their_environment_twins() -> None:
    env = {"MOCK_DOITONG_WEBHOOK_DENY": "10.0.0.0/8 blocked.example"}
    with (
        ServeProcess("--port", "0", "--webhook-allow", "127.0.0.1", env=env) as served,
        httpx.Client(base_url=served.url, headers={"X-API-Key": "YOUR_API_KEY"}) as http,
    ):

        def create(url: str) -> httpx.Response:
            body = {"service": "hedra", "text": "Hi", "avatarId": "casual-1", "webhookUrl": url}
            return http.post("/v1/avatar", json=body)

        for url, reason in (
            ("http://10.0.0.1:6379/", "--webhook-deny"),
            ("http://blocked.example/", "--webhook-deny"),
            ("http://192.168.0.1/", "not in --webhook-allow"),
            (f"{served.url}/__mock/reset", "own control plane"),
        ):
            response = create(url)
            assert response.status_code == 400, url
            assert reason in response.json()["errors"][0]["message"]
            assert response.json()["errors"][0]["extensions"]["field"] == "webhookUrl"
        assert create(f"{served.url}/__mock/inbox").status_code == 200
        assert create("http://127.0.0.1:9/hook").status_code == 200
    assert "--webhook-allow" in run_cli("serve", "--help").stdout


def test_bad_webhook_allow_and_deny_entries_are_refused() -> None:
    result = run_cli("serve", "--webhook-deny", "10.0.0.0/33")
    assert result.returncode != 0 and "--webhook-deny" in result.stderr
    assert "not a host name or CIDR range" in result.stderr
    assert run_cli("serve", "--webhook-allow", "http://x/").returncode != 0
