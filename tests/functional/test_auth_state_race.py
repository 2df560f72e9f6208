"""Under concurrency, on the serialised embedded DynamoDB: a login state is consumed exactly once,
and two accounts racing for one СНИЛС end with exactly one owner."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import threading
import uuid

from chalicelib.db import login_repo, people_repo
from chalicelib.db.models import SnilsOwner
from chalicelib.esia.person import EsiaPerson


def race(n: int, attempt: object) -> list[object]:
    barrier = threading.Barrier(n)

    def run(i: int) -> object:
        barrier.wait()
        return attempt(i)  # type: ignore[operator]

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_eight_simultaneous_callbacks_with_one_state_log_in_once(embedded_tables: None) -> None:
    now = dt.datetime.now(dt.UTC)
    state = str(uuid.uuid4())
    login_repo.save_state(
        state, browser_binding="b" * 64, next_path="/cabinet/", now=now, ttl_seconds=600
    )
    results = race(8, lambda i: login_repo.take_state(state, browser_binding="b" * 64, now=now))
    taken = [r for r in results if r is not None]
    assert len(taken) == 1
    assert taken[0].next_path == "/cabinet/"


def _person(oid: str) -> EsiaPerson:
    return EsiaPerson(oid, "11223344595", "Петров", "Сергей", None, None, None, True)


def test_two_accounts_racing_for_one_snils_end_with_one_owner(embedded_tables: None) -> None:
    def attempt(i: int) -> str:
        try:
            login_repo.save_identity(_person(f"300000000{i}"), dt.datetime.now(dt.UTC))
            return "ok"
        except login_repo.SnilsTaken:
            return "taken"

    results = race(6, attempt)
    assert sorted(results) == ["ok"] + ["taken"] * 5
    owner = SnilsOwner.get("11223344595").oid
    assert people_repo.get_specialist(owner) is not None
    others = [f"300000000{i}" for i in range(6) if f"300000000{i}" != owner]
    assert all(people_repo.get_specialist(oid) is None for oid in others)


def test_one_person_logging_in_twice_at_once_stays_one_account(embedded_tables: None) -> None:
    results = race(
        4, lambda i: login_repo.save_identity(_person("3000000010"), dt.datetime.now(dt.UTC))[1]
    )
    assert results.count(True) == 1  # created once, updated by the others
    assert SnilsOwner.get("11223344595").oid == "3000000010"
