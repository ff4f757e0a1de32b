"""The lake on both SQL catalogs (SQLite embedded, PostgreSQL production), file:// warehouse:
append with dedup, day partitions, compaction, schema evolution, time travel, row deletes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from marquee.errors import InvalidInput
from marquee.storage.lake import Lake, TimeTravel, envelopes_to_table
from marquee.storage.lake.iceberg import IcebergLake
from tests.services import fresh_postgres_database, unique_namespace

DAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def postgres_catalog() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_catalog"))
    return f"sqlite:///{tmp_path / 'catalog.db'}"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse"


def open_lake(catalog_url: str, warehouse: Path, name: str) -> IcebergLake:
    return IcebergLake(
        warehouse=f"file://{warehouse}", catalog_url=catalog_url, catalog=name, namespace="lake"
    )


@pytest.fixture
def lake(catalog_url: str, warehouse: Path) -> Iterator[IcebergLake]:
    backend = open_lake(catalog_url, warehouse, unique_namespace())
    yield backend
    backend.close()


def envelope(n: int, *, profile: int = 1, at: datetime = DAY, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": f"event-{profile:03d}-{n:06d}",
        "type": "play_start",
        "profile_id": profile,
        "session_id": "s-1",
        "item": {"title_id": 100 + n},
        "client_time": (at + timedelta(seconds=n)).isoformat(),
        "server_time": (at + timedelta(seconds=n + 1)).isoformat(),
        "experiments": {"home": "b"},
        "context": {"page": "/browse"},
        **extra,
    }


def rows(*envelopes: dict[str, Any]) -> Any:
    return envelopes_to_table(envelopes)


def ids(lake: Lake, **kwargs: Any) -> list[str]:
    return sorted(lake.scan(columns=["event_id"], **kwargs).column("event_id").to_pylist())


def test_appended_events_read_back_with_every_field(lake: Lake) -> None:
    assert lake.append(rows(envelope(1, device="tv", country="ES"))) == 1
    [row] = lake.scan().to_pylist()
    assert row["event_id"] == "event-001-000001"
    assert row["title_id"] == 101
    assert row["device"] == "tv"
    assert row["client_time"] == DAY + timedelta(seconds=1)
    assert row["experiments"] == '{"home": "b"}'
    assert row["day"] == date(2026, 3, 10)


def test_appending_the_same_events_again_adds_nothing(lake: Lake) -> None:
    batch = rows(*(envelope(n) for n in range(5)))
    assert lake.append(batch) == 5
    assert lake.append(batch) == 0
    assert lake.append(rows(envelope(4), envelope(5), envelope(5))) == 1
    assert len(ids(lake)) == 6


def test_events_are_partitioned_by_the_day_of_their_client_time(
    lake: Lake, warehouse: Path
) -> None:
    lake.append(rows(*(envelope(n, at=DAY + timedelta(days=n % 3)) for n in range(9))))
    assert [(p.day, p.rows) for p in lake.partitions()] == [
        (date(2026, 3, 10), 3),
        (date(2026, 3, 11), 3),
        (date(2026, 3, 12), 3),
    ]
    folders = {f.parent.name for f in warehouse.rglob("*.parquet")}
    assert folders == {"day=2026-03-10", "day=2026-03-11", "day=2026-03-12"}


def test_scans_filter_by_profile_and_client_time(lake: Lake) -> None:
    lake.append(
        rows(*(envelope(n, profile=1 + n % 2, at=DAY + timedelta(hours=n)) for n in range(6)))
    )
    assert ids(lake, profile_ids=[2]) == [
        "event-002-000001",
        "event-002-000003",
        "event-002-000005",
    ]
    window = ids(lake, since=DAY + timedelta(hours=2), until=DAY + timedelta(hours=4))
    assert window == ["event-001-000002", "event-002-000003"]


def test_scans_filter_by_event_type(lake: Lake) -> None:
    lake.append(rows(envelope(0), envelope(1, type="impression", row="top", position=0)))
    assert ids(lake, types=["impression"]) == ["event-001-000001"]
    assert ids(lake, types=["impression", "play_start"]) == ["event-001-000000", "event-001-000001"]
    assert ids(lake, types=[]) == []


def test_compaction_rewrites_a_days_small_files_as_one(lake: Lake) -> None:
    for n in range(4):
        lake.append(rows(envelope(n), envelope(n, profile=2, at=DAY + timedelta(days=1))))
    assert [p.files for p in lake.partitions()] == [4, 4]
    assert lake.compact(day=DAY.date(), min_files=2) == 1
    assert [(p.files, p.rows) for p in lake.partitions()] == [(1, 4), (4, 4)]
    assert lake.compact(min_files=2) == 1
    assert [p.files for p in lake.partitions()] == [1, 1]
    assert len(ids(lake)) == 8
    assert lake.compact(min_files=2) == 0


def test_a_new_envelope_field_becomes_a_new_column(lake: Lake) -> None:
    lake.append(rows(envelope(1)))
    lake.append(rows(envelope(2, network="wifi", bitrate_kbps=4500)))
    by_id = {r["event_id"]: r for r in lake.scan().to_pylist()}
    assert by_id["event-001-000002"]["network"] == "wifi"
    assert by_id["event-001-000002"]["bitrate_kbps"] == 4500
    assert by_id["event-001-000001"]["network"] is None
    # Older snapshots keep their own schema.
    first = lake.snapshots()[0].snapshot_id
    assert "network" not in lake.scan(version=TimeTravel(snapshot_id=first)).column_names


def test_time_travel_reads_the_table_as_it_was(lake: Lake) -> None:
    lake.append(rows(envelope(1)))
    lake.append(rows(envelope(2)))
    first, second = lake.snapshots()
    assert ids(lake, version=TimeTravel(snapshot_id=first.snapshot_id)) == ["event-001-000001"]
    assert ids(lake, version=TimeTravel(as_of=second.committed_at)) == [
        "event-001-000001",
        "event-001-000002",
    ]
    with pytest.raises(InvalidInput):
        lake.scan(version=TimeTravel(snapshot_id=12345))
    with pytest.raises(InvalidInput):
        lake.scan(version=TimeTravel(as_of=first.committed_at - timedelta(days=1)))


def test_deleting_a_profile_removes_its_rows_from_every_version_and_file(
    lake: Lake, warehouse: Path
) -> None:
    lake.append(rows(*(envelope(n, profile=1 + n % 2) for n in range(6))))
    lake.append(rows(envelope(9, profile=1)))
    assert lake.delete_profiles([1]) == 4
    assert lake.delete_profiles([1]) == 0
    assert {r["profile_id"] for r in lake.scan().to_pylist()} == {2}
    for snapshot in lake.snapshots():
        found = lake.scan(version=TimeTravel(snapshot_id=snapshot.snapshot_id))
        assert set(found.column("profile_id").to_pylist()) == {2}
    on_disk = {
        p for f in warehouse.rglob("*.parquet") for p in pq.read_table(f)["profile_id"].to_pylist()
    }
    assert on_disk == {2}


def test_duckdb_queries_the_events_table(lake: Lake) -> None:
    lake.append(rows(*(envelope(n, profile=1 + n % 3) for n in range(9))))
    result = lake.query("SELECT profile_id, count(*) AS n FROM events GROUP BY 1 ORDER BY 1")
    assert result.to_pylist() == [
        {"profile_id": 1, "n": 3},
        {"profile_id": 2, "n": 3},
        {"profile_id": 3, "n": 3},
    ]
    with pytest.raises(InvalidInput):
        lake.query("SELECT nope FROM events")


def test_two_writers_on_one_catalog_both_land(catalog_url: str, warehouse: Path) -> None:
    name = unique_namespace()
    writers = [open_lake(catalog_url, warehouse, name) for _ in range(2)]
    writers[0].append(rows(envelope(0)))  # create the table before the race

    def write(index: int) -> None:
        for n in range(1, 5):
            writers[index].append(rows(envelope(n, profile=index + 1)))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids(writers[1])) == 9
    for writer in writers:
        writer.close()
