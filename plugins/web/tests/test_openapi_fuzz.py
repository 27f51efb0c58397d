"""schemathesis against the OpenAPI description: no server error, answers as described."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from curator_export_web.app import create_app  # noqa: E402


def as_loopback(app):
    """The app as reached on 127.0.0.1 (schemathesis's ASGI client says "testserver",
    which a loopback service refuses as a possible DNS-rebinding name)."""

    async def reached(scope, receive, send):
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            scope = {**scope, "headers": [*headers, (b"host", b"127.0.0.1")]}
        await app(scope, receive, send)

    return reached


@pytest.fixture
def api_schema(config, host):
    app = create_app(config, host=host)
    yield schemathesis.openapi.from_asgi("/api/openapi.json", as_loopback(app))
    batches = app.state.service.batches
    batches.begin_stop()
    for batch in list(batches.batches.values()):
        assert batch.join(30), f"batch {batch.batch_id} did not stop"


def test_the_api_answers_as_described(api_schema):
    """Generated requests for every operation: no 5xx, and every answer fits the schema
    (status code, content type, body). The server checks more than a schema can say
    (sessions exist, names resolve, aliases such as "PowerPoint" are accepted), so whether
    a schema-valid request is accepted, or an invalid one refused, is not checked here.

    (schemathesis's own pytest integration does not run under pytest 9: each operation's
    strategy is driven by hypothesis here instead.)"""
    excluded = [
        schemathesis.checks.positive_data_acceptance,
        schemathesis.checks.negative_data_rejection,
    ]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 10  # every operation of the description
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def answers_as_described(case):
            case.call_and_validate(excluded_checks=excluded)

        answers_as_described()
