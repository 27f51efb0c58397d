"""keep_batches: the folders of old finished batches go; running ones and the rest stay."""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import attrs
import pytest

from curator_export_web.app import create_app
from curator_export_web.retention import remove_batch_folder, stale_batches

pytestmark = pytest.mark.anyio

SERIAL = {"parallelExports": False}
EARLIER = ["20261101-090000-aaaaaaaaaaaa", "20261102-090000-bbbbbbbbbbbb"]


def quick_job(session: str = "s1") -> dict[str, object]:
    return {
        "jobs": [{"jobId": "q", "sessionIds": [session], "formats": ["plain"]}],
        "options": SERIAL,
    }


def batch_folders(root: Path) -> set[str]:
    return {path.name for path in root.iterdir() if path.is_dir()}


async def settled(client, batch_id: str, root: Path, *, gone: set[str]) -> None:
    """Wait until the batch has ended and the folders in ``gone`` have been removed."""
    with anyio.fail_after(30):
        while (await client.get(f"/api/batches/{batch_id}")).json()["status"] == "running":
            await anyio.sleep(0.02)
        while gone & batch_folders(root):
            await anyio.sleep(0.02)


def test_the_oldest_finished_go_first_and_running_ones_never():
    """Earlier runs' folders are older than this run's; this run's go in the order they
    finished; running batches are not counted."""
    finished = ["b2", "b1"]  # b2 finished first, though started later
    assert stale_batches(EARLIER, finished, {"b3"}, keep=2) == [*EARLIER]
    assert stale_batches(EARLIER, finished, set(), keep=1) == [*EARLIER, "b2"]
    assert stale_batches([], ["b1"], {"b1"}, keep=1) == []
    assert stale_batches([], ["b1", "b2"], {"b1", "b2"}, keep=1) == []
    assert stale_batches([], ["b1"], set(), keep=5) == []


def test_only_real_folders_directly_in_the_root_are_removed(tmp_path):
    """A symbolic link (to a folder elsewhere), a file, '..' or a nested path: refused."""
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    (outside / "keep" / "precious.txt").write_text("mine", encoding="utf-8")
    root.mkdir()
    (root / EARLIER[0]).symlink_to(outside / "keep", target_is_directory=True)
    (root / EARLIER[1]).write_text("a file", encoding="utf-8")
    inner = root / "20261103-090000-cccccccccccc"
    (inner / "sub").mkdir(parents=True)
    (inner / "sub" / "escape").symlink_to(outside, target_is_directory=True)
    for name in [*EARLIER, "..", "", "x/../..", f"{inner.name}/sub"]:
        assert not remove_batch_folder(root, name), name
    assert (outside / "keep" / "precious.txt").exists()
    assert remove_batch_folder(root, inner.name)
    assert not inner.exists()
    assert (outside / "keep" / "precious.txt").exists()  # the link inside was not followed
    assert (root / EARLIER[0]).is_symlink()


async def test_only_the_newest_finished_batches_keep_their_folders(config, host, open_client):
    """keep_batches=2: after four batches, the first two folders (and batches) are gone;
    what the root held that is not a batch folder stays."""
    config.output_root.mkdir(parents=True)
    (config.output_root / "notes").mkdir()
    (config.output_root / "readme.txt").write_text("not a batch", encoding="utf-8")
    app = create_app(attrs.evolve(config, keep_batches=2), host=host)
    ids: list[str] = []
    try:
        async with open_client(app) as client:
            for _ in range(4):
                response = await client.post("/api/batches", json=quick_job())
                assert response.status_code == 202, response.text
                ids.append(response.json()["batchId"])
                await settled(client, ids[-1], config.output_root, gone=set(ids[:-2]))
            assert batch_folders(config.output_root) == {"notes", *ids[2:]}
            assert (config.output_root / "readme.txt").exists()
            listed = (await client.get("/api/batches")).json()["batches"]
            assert [batch["batchId"] for batch in listed] == ids[2:]
            assert (await client.get(f"/api/batches/{ids[0]}")).status_code == 404
            kept = await client.get(f"/api/batches/{ids[3]}/files/{ids[3]}.zip")
            assert kept.status_code == 200
    finally:
        await app.state.service.aclose()


async def test_a_running_batch_keeps_its_folder_while_newer_ones_finish(config, host, open_client):
    """keep_batches=1 with a slow batch running: quick ones come and go, the slow one's
    folder stays; once it ends it is the newest finished, so the quick one's folder goes."""
    app = create_app(attrs.evolve(config, keep_batches=1), host=host)
    sessions = [f"slow{number}" for number in range(1, 7)]
    slow = {"jobs": [{"jobId": "slow", "sessionIds": sessions, "formats": ["chaos"]}]}
    try:
        async with open_client(app) as client:
            slow_id = (await client.post("/api/batches", json={**slow, "options": SERIAL})).json()[
                "batchId"
            ]
            quick = []
            for _ in range(2):
                started = await client.post("/api/batches", json=quick_job())
                quick.append(started.json()["batchId"])
                await settled(client, quick[-1], config.output_root, gone=set(quick[:-1]))
            assert (await client.get(f"/api/batches/{slow_id}")).json()["status"] == "running"
            assert batch_folders(config.output_root) == {slow_id, quick[-1]}
            await settled(client, slow_id, config.output_root, gone={quick[-1]})
            assert batch_folders(config.output_root) == {slow_id}
            assert (await client.get(f"/api/batches/{slow_id}")).json()["status"] == "completed"
    finally:
        await app.state.service.aclose()


async def test_folders_of_earlier_runs_are_pruned_at_start(config, host):
    """Batch folders an earlier run left are removed beyond the limit when the service
    starts, oldest first; without a limit nothing is removed."""
    root = config.output_root
    names = ["20261101-090000-aaaaaaaaaaaa", "20261102-090000-bbbbbbbbbbbb"]
    names.append("20261103-090000-cccccccccccc")
    for name in names:
        (root / name).mkdir(parents=True)
        (root / name / "s1.txt").write_text("old", encoding="utf-8")
    (root / "20261104-my-own-folder").mkdir()
    unlimited = create_app(config, host=host)
    await unlimited.state.service.aclose()
    assert batch_folders(root) == {*names, "20261104-my-own-folder"}
    limited = create_app(attrs.evolve(config, keep_batches=1), host=host)
    await limited.state.service.aclose()
    assert batch_folders(root) == {names[-1], "20261104-my-own-folder"}
    assert os.listdir(root / names[-1]) == ["s1.txt"]
