"""schemathesis against the real backend's /openapi.json, every check on.

The schema is read from the running server at test time, so routes added later
are fuzzed too. Signed in as the demo admin (phone-system permission), so the
writes are reached, not only refused. Bounded and reproducible: a fixed number
of examples per operation, derandomized.

Left out, with reasons:
- GET /events is an endless stream (a valid request never ends); its bad input
  is tested in test_stream_resume.py.
- POST /auth/logout would revoke the token the run signs in with.

`positive_data_acceptance` also accepts 412/422/428 for schema-valid requests:
rules the schema cannot express (the window's `from` before its `to`, ids that
must exist, `digits_min` ≤ `digits_max`, If-Match for a version) refuse them
with the field and the reason, which the last assertion checks.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.server import RunningServer, fresh_database

EXCLUDED = ("/api/v1/events", "/api/v1/auth/logout")
MAX_EXAMPLES = int(__import__("os").environ.get("VAXEL_FUZZ_EXAMPLES", "15"))


@pytest.fixture(scope="module")
def fuzz_server(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = RunningServer(fresh_database(template_db, tmp_path_factory.mktemp("fuzz"))).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api_schema(fuzz_server: RunningServer):  # noqa: ANN201
    token = fuzz_server.token("admin")
    config = SchemathesisConfig.from_dict(
        {
            "headers": {"Authorization": f"Bearer {token}"},
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "428", "429"]
                },
            },
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
            "seed": 6,
        }
    )
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/openapi.json", config=config)
    for path in EXCLUDED:
        schema = schema.exclude(path=path)
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_holds_to_its_schema(case, fuzz_server: RunningServer) -> None:  # noqa: ANN001
    response = case.call_and_validate()  # every check: no 5xx, conformance, negative/positive data, auth ...
    assert response.status_code < 500
    if response.status_code >= 400:
        body = response.json()
        assert set(body) >= {"code", "message", "errors"}, body


def test_the_excluded_paths_exist(fuzz_server: RunningServer) -> None:
    """If one is renamed, the exclusion above must follow (or it silently fuzzes a stream)."""
    paths = httpx.get(f"{fuzz_server.url}/openapi.json").json()["paths"]
    assert all(path in paths for path in EXCLUDED)
