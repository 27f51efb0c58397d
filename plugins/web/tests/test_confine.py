"""Requests cannot make the service write or read outside its folders."""

from __future__ import annotations

import os
from typing import Any

import pytest

from curator_export_web.confine import relative_problem

pytestmark = pytest.mark.anyio

SERIAL = {"parallelExports": False}


def job(**more: Any) -> dict[str, Any]:
    return {"jobId": "j", "sessionIds": ["s1"], "formats": ["plain"], **more}


@pytest.mark.parametrize(
    "folder", ["/tmp/x", "../x", "a/../../x", "a\\..\\x", "C:/x", "", "a/\x00"]
)
async def test_output_folders_outside_the_batch_are_refused(client, folder):
    """Absolute paths, '..', backslashes, drives and empty names: 422, located."""
    response = await client.post("/api/jobs", json=job(outputDirectory=folder))
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "$.outputDirectory"


async def test_a_relative_folder_lands_inside_the_batch_folder(client, finished, config):
    """outputDirectory 'week1/decks' is a folder of the batch's own folder."""
    response = await client.post(
        "/api/batches", json={"jobs": [job(outputDirectory="week1/decks")], "options": SERIAL}
    )
    batch_id = response.json()["batchId"]
    status = await finished(client, batch_id)
    assert status["status"] == "completed"
    assert status["exports"][0]["outputPath"] == "week1/decks/s1.plain"
    assert (config.output_root / batch_id / "week1" / "decks" / "s1.plain").is_file()
    assert sorted(p.name for p in config.output_root.iterdir()) == [batch_id]


async def test_downloads_are_only_of_the_batch_own_files(client, finished, config, tmp_path):
    """'..', absolute and encoded paths, files planted in the batch folder (a symlink to a
    secret, a file the batch did not make): all 404."""
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    response = await client.post("/api/batches", json={"jobs": [job()], "options": SERIAL})
    batch_id = response.json()["batchId"]
    await finished(client, batch_id)
    folder = config.output_root / batch_id
    os.symlink(secret, folder / "link.txt")
    (folder / "planted.txt").write_text("not made by the batch", encoding="utf-8")
    base = f"/api/batches/{batch_id}/files"
    assert (await client.get(f"{base}/s1.plain")).status_code == 200
    for path in (
        "link.txt",
        "planted.txt",
        "../../secret.txt",
        "%2e%2e/%2e%2e/secret.txt",
        "..%2F..%2Fsecret.txt",
        str(secret),
        "/" + str(secret),
    ):
        answer = await client.get(f"{base}/{path}")
        assert answer.status_code == 404, path
        assert b"secret" not in answer.content


async def test_an_output_replaced_by_a_symlink_is_not_served(client, finished, config, tmp_path):
    """A made file swapped for a symlink leading out of the batch folder: 404."""
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    response = await client.post("/api/batches", json={"jobs": [job()], "options": SERIAL})
    batch_id = response.json()["batchId"]
    await finished(client, batch_id)
    made = config.output_root / batch_id / "s1.plain"
    made.unlink()
    os.symlink(secret, made)
    assert (await client.get(f"/api/batches/{batch_id}/files/s1.plain")).status_code == 404


async def test_server_paths_in_settings_are_refused(client, tmp_path):
    """Template folders, file-valued format options and logos outside the brand folder."""
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    response = await client.post(
        "/api/batches",
        json={
            "jobs": [
                job(
                    formats=["plain", "pptx"],
                    formatOptions={"pptx": {"template": str(tmp_path / "t.pptx")}},
                    brandingOptions={"logo": str(logo)},
                )
            ],
            "options": {"templateDirs": [str(tmp_path)]},
        },
    )
    assert response.status_code == 422
    problems = {p["location"]: p["message"] for p in response.json()["errors"]}
    assert "$.jobs[0].formatOptions.pptx.template" in problems
    assert "$.options.templateDirs" in problems
    logo_only = await client.post("/api/jobs", json=job(brandingOptions={"logo": str(logo)}))
    assert logo_only.status_code == 422
    assert logo_only.json()["errors"][0]["location"] == "$.brandingOptions.logo"


async def test_brand_files_come_from_the_brand_folder_or_an_upload(client, brand_dir, tmp_path):
    """brandFile names a file of the brand folder, or carries an uploaded file's content;
    names leading out of the folder (.., absolute, a symlink) are refused."""
    named = await client.post("/api/jobs", json=job(brandFile="acme.toml"))
    assert named.status_code == 200, named.text
    assert named.json()["brandingOptions"]["institutionName"] == "Acme University"
    uploaded = await client.post(
        "/api/jobs",
        json=job(brandFile={"name": "mine.json", "content": '{"institution_name": "Mine"}'}),
    )
    assert uploaded.json()["brandingOptions"]["institutionName"] == "Mine"
    outside = tmp_path / "outside.toml"
    outside.write_text('institution_name = "Outside"\n', encoding="utf-8")
    os.symlink(outside, brand_dir / "link.toml")
    for name in ("../outside.toml", str(outside), "link.toml", "missing.toml"):
        refused = await client.post("/api/jobs", json=job(brandFile=name))
        assert refused.status_code == 422, name
        assert refused.json()["errors"][0]["location"] == "$.brandFile"
    escaping_logo = await client.post(
        "/api/jobs",
        json=job(brandFile={"name": "b.toml", "content": 'logo = "../../etc/logo.png"\n'}),
    )
    assert escaping_logo.status_code == 422
    both = await client.post(
        "/api/jobs", json=job(brandFile="acme.toml", brandingOptions={"institutionName": "X"})
    )
    assert both.status_code == 422


def test_relative_problem_accepts_plain_relative_paths():
    """The rule itself: plain relative paths pass, everything else is named."""
    for good in (".", "a", "a/b", "week 1/decks", "ünï/çødé"):
        assert relative_problem(good, "x") is None, good
    assert "absolute" in (relative_problem("/a", "x") or "")
    assert "'..'" in (relative_problem("a/..", "x") or "")
