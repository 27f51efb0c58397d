"""A real S3-compatible server on 127.0.0.1 (moto's threaded server), and a proxy in front of
it that breaks chosen requests (``curator_export_upload.testing.FlakyProxy``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from curator_export_upload.testing import FlakyProxy


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 on 127.0.0.1; credentials of nobody in the environment, as a user sets them."""
    pytest.importorskip(
        "s3fs", reason="the S3 tests need s3fs (pip install curator-export-upload[s3])"
    )
    server_module = pytest.importorskip(
        "moto.server", reason="the S3 tests need moto[s3,server] for a local S3 server"
    )
    env = {
        "AWS_ACCESS_KEY_ID": "testing-key-id",
        "AWS_SECRET_ACCESS_KEY": "testing-secret-" + uuid.uuid4().hex,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def proxy(s3_server: str) -> Iterator[FlakyProxy]:
    host, port = s3_server.removeprefix("http://").split(":")
    flaky = FlakyProxy((host, int(port)))
    flaky.thread.start()
    try:
        yield flaky
    finally:
        flaky.server.shutdown()
        flaky.server.server_close()


@pytest.fixture
def bucket(s3_server: str) -> str:
    """A new, empty bucket of its own for each test."""
    import s3fs

    name = f"test-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(endpoint_url=s3_server, skip_instance_cache=True).mkdir(name)
    return name
