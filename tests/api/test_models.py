"""Admin: the model registry over HTTP — versions with metrics, gated promotion; admins only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from marquee.bootstrap import Container
from marquee.domain.roles import Role
from tests.conftest import MakeCaller

PROBLEM = "application/problem+json"


def register(container: Container, snapshot: str, ndcg: float) -> str:
    entry = container.registry.register(
        name="ranker", artefact=b"booster", snapshot=snapshot, params={"leaves": 31},
        metrics={"ndcg@10": ndcg, "recall@10": 0.5},
    )  # fmt: skip
    return entry.version


@pytest.mark.parametrize("role", ["viewer", "producer"])
def test_only_admins_see_or_promote_models(
    client: TestClient, container: Container, make_caller: MakeCaller, role: str
) -> None:
    version = register(container, "s1", 0.3)
    headers = make_caller(role).headers
    assert client.get("/v1/admin/models", headers=headers).status_code == 403
    assert client.get("/v1/admin/models/ranker", headers=headers).status_code == 403
    promote = client.post(f"/v1/admin/models/ranker/{version}/promote", headers=headers)
    assert promote.status_code == 403
    assert container.registry.promoted("ranker") is None


def test_admin_sees_every_model_with_its_versions_and_promoted_one(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    first = register(container, "s1", 0.3)
    second = register(container, "s2", 0.31)
    container.registry.promote("ranker", first)
    headers = make_caller(Role.ADMIN).headers
    listing = client.get("/v1/admin/models", headers=headers).json()
    assert listing["count"] == 1
    model = listing["data"][0]
    assert model["name"] == "ranker"
    assert model["promoted"]["version"] == first
    assert {v["version"]: v["promoted"] for v in model["versions"]} == {first: True, second: False}
    one = client.get("/v1/admin/models/ranker", headers=headers).json()
    assert one["versions"][0]["metrics"]["ndcg@10"] == pytest.approx(0.31)
    assert client.get("/v1/admin/models/nothing", headers=headers).status_code == 404


def test_a_regressing_version_is_refused_with_409_until_forced(
    client: TestClient, container: Container, make_caller: MakeCaller
) -> None:
    good = register(container, "s1", 0.30)
    worse = register(container, "s2", 0.20)
    headers = make_caller(Role.ADMIN).headers
    first = client.post(f"/v1/admin/models/ranker/{good}/promote", headers=headers)
    assert first.status_code == 200
    refused = client.post(f"/v1/admin/models/ranker/{worse}/promote", headers=headers)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert "ndcg@10" in refused.json()["detail"]
    assert container.registry.promoted("ranker").version == good  # type: ignore[union-attr]
    forced = client.post(
        f"/v1/admin/models/ranker/{worse}/promote", json={"force": True}, headers=headers
    )
    assert forced.status_code == 200
    assert forced.json()["forced"] is True
    assert forced.json()["previous"] == good


def test_bad_names_and_unknown_versions_are_4xx(
    client: TestClient, make_caller: MakeCaller
) -> None:
    headers = make_caller(Role.ADMIN).headers
    bad = client.post("/v1/admin/models/Bad%20Name/v1/promote", headers=headers)
    assert bad.status_code == 422
    assert "name" in bad.text
    missing = client.post("/v1/admin/models/ranker/0123456789ab/promote", headers=headers)
    assert missing.status_code == 404
