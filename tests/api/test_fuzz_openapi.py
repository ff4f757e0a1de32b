"""Property-based fuzzing of every operation in the OpenAPI document: nothing answers 5xx.

Schemathesis generates valid and invalid requests from the schema (wrong types, unknown fields,
missing fields, odd strings) and sends them as an admin, so protected operations are reached too.
Its pytest plugin (``from_fixture``) does not work with pytest 9, so the strategies are driven
with Hypothesis directly, one operation at a time.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from marquee.api import create_app
from marquee.bootstrap import Container
from marquee.config import Settings
from tests.conftest import MakeCaller

EXAMPLES_PER_OPERATION = 25


def _operations(settings: Settings, container: Container) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(settings, container=container)
    )
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["embedded"], indirect=True)  # the API suite covers both stacks
def test_no_generated_request_gets_a_server_error(
    settings: Settings, container: Container, make_caller: MakeCaller
) -> None:
    headers = make_caller("admin").headers
    operations = _operations(settings, container)
    assert len(operations) > 20
    for operation in operations:
        strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | (
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
        )

        @given(case=strategy)
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def probe(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        probe()
