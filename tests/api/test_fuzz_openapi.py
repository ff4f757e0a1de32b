"""Property-based fuzzing of every operation in the OpenAPI document: nothing answers 5xx.

Schemathesis generates valid and invalid requests from the schema (wrong types, unknown fields,
missing fields, odd strings) and sends them as an admin, so protected operations are reached too.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from marquee.api import create_app
from marquee.bootstrap import Container
from marquee.config import Settings
from tests.conftest import MakeCaller


@pytest.fixture
def admin_headers(make_caller: MakeCaller) -> dict[str, str]:
    return make_caller("admin").headers


@pytest.fixture
def api_schema(settings: Settings, container: Container, stack: str) -> schemathesis.BaseSchema:
    if stack != "embedded":
        pytest.skip("fuzzed once, on the embedded stack; the contract suites cover the backends")
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, container=container))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_no_generated_request_gets_a_server_error(
    case: schemathesis.Case, admin_headers: dict[str, str]
) -> None:
    response = case.call(headers=admin_headers)
    case.validate_response(response, checks=[not_a_server_error])
