"""Jobs move processing -> completed on the mock's clock; the video they point at really plays."""

from __future__ import annotations

from starlette.testclient import TestClient

from mockserver import create_app

from conftest import AVATAR, GENERATION, Api, rest_body, virtual_config


def test_job_completes_only_when_the_clock_reaches_its_time(api: Api) -> None:
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    api.advance(29)
    assert api.rest_get(job_id).json()["data"]["avatar"]["status"] == "processing"
    api.advance(1)
    avatar = api.rest_get(job_id).json()["data"]["avatar"]
    assert avatar["status"] == "completed"
    assert avatar["completedAt"] == "2024-01-01T00:00:30Z"
    assert avatar["url"] == f"http://mock.test/outputs/{job_id}.mp4"
    assert avatar["videoUrl"] == avatar["url"]
    assert avatar["duration"] == 2.0


def test_completed_generation_has_positive_metadata(api: Api) -> None:
    job_id = api.generate().json()["data"]["generate"]["id"]
    api.advance(60)
    generation = api.graphql(GENERATION, {"id": job_id}).json()["data"]["generation"]
    assert generation["status"] == "completed"
    assert generation["metadata"] == {"duration": 2.0, "width": 1280, "height": 720}
    assert generation["url"].endswith(f"/outputs/{job_id}.mp4")
    assert generation["completedAt"] == "2024-01-01T00:00:30Z"
    avatar = api.graphql(AVATAR, {"id": job_id}).json()["data"]["avatar"]
    assert avatar["duration"] == 2.0 and avatar["videoUrl"] == generation["url"]


def test_completion_time_is_the_due_time_not_the_time_of_reading(api: Api) -> None:
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    api.advance(3600)
    assert api.rest_get(job_id).json()["data"]["avatar"]["completedAt"] == "2024-01-01T00:00:30Z"


def test_jobs_created_later_finish_later(api: Api) -> None:
    first = api.rest_create().json()["data"]["avatar"]["id"]
    api.advance(20)
    second = api.rest_create().json()["data"]["avatar"]["id"]
    api.advance(10)
    assert api.rest_get(first).json()["data"]["avatar"]["status"] == "completed"
    assert api.rest_get(second).json()["data"]["avatar"]["status"] == "processing"
    api.advance(20)
    assert api.rest_get(second).json()["data"]["avatar"]["completedAt"] == "2024-01-01T00:00:50Z"


def test_output_video_is_a_real_mp4_with_range_support(api: Api) -> None:
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    assert api.client.get(f"/outputs/{job_id}.mp4").status_code == 404  # not finished yet
    api.advance(30)
    whole = api.client.get(f"/outputs/{job_id}.mp4")
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "video/mp4"
    assert int(whole.headers["content-length"]) == len(whole.content) > 1000
    assert whole.content[4:8] == b"ftyp"  # the ISO base media file signature
    assert whole.headers["accept-ranges"] == "bytes"
    part = api.client.get(f"/outputs/{job_id}.mp4", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.content == whole.content[:100]
    assert part.headers["content-range"] == f"bytes 0-99/{len(whole.content)}"


def test_unknown_video_is_404(api: Api) -> None:
    assert api.client.get("/outputs/nothing.mp4").status_code == 404


def test_ids_and_timestamps_repeat_with_the_same_seed() -> None:
    def run() -> list[str]:
        with TestClient(create_app(virtual_config(seed=1234))) as client:
            api = Api(client)
            return [api.rest_create(rest_body()).json()["data"]["avatar"]["id"] for _ in range(3)]

    first, second = run(), run()
    assert first == second
    assert len(set(first)) == 3
    with TestClient(create_app(virtual_config(seed=99))) as client:
        assert Api(client).rest_create().json()["data"]["avatar"]["id"] not in first


def test_reset_restarts_the_id_stream_and_the_clock(api: Api) -> None:
    first = api.rest_create().json()["data"]["avatar"]["id"]
    api.advance(100)
    api.reset()
    assert api.rest_get(first).status_code == 404
    again = api.rest_create().json()["data"]["avatar"]
    assert again["id"] == first
    assert again["createdAt"] == "2024-01-01T00:00:00Z"
