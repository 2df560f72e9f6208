"""Racing redemptions of one code on the serialised embedded DynamoDB: exactly one credit."""

from __future__ import annotations

import concurrent.futures
import threading

from chalicelib.db import codes_repo, credits_repo
from chalicelib.db.models import CreditRecord
from chalicelib.errors import Conflict
from chalicelib.services import codes, credits

from tests.people import make_person


def _race(people: list, code: str) -> list[str]:
    barrier = threading.Barrier(len(people))

    def attempt(person) -> str:
        barrier.wait()
        try:
            codes.redeem(person, {"code": code})
            return "ok"
        except Conflict:
            return "conflict"

    with concurrent.futures.ThreadPoolExecutor(len(people)) as pool:
        return list(pool.map(attempt, people))


def test_eight_simultaneous_redemptions_by_one_person_give_one_credit(
    embedded_tables: None,
) -> None:
    person = make_person("1000000021", specialties=[("76", "2023-03-15")])
    code = codes_repo.issue(
        event_id="ev",
        day="2024-05-20",
        specialty="76",
        hours=6,
        title="День 1",
        issued_to=person.oid,
        expires_on="2099-12-31",
    ).code
    outcomes = _race([person] * 8, code)
    assert outcomes.count("ok") == 1 and outcomes.count("conflict") == 7
    assert len(list(CreditRecord.query(person.oid))) == 1
    (cycle,) = credits.cycles_view(person)
    assert cycle["earned"]["total"] == 6


def test_a_paper_code_raced_by_several_people_goes_to_exactly_one(embedded_tables: None) -> None:
    people = [make_person(f"100000003{i}", specialties=[("76", "2023-03-15")]) for i in range(6)]
    code = codes_repo.issue(
        event_id="ev",
        day="2024-05-20",
        specialty="76",
        hours=6,
        title="День 1",
        issued_to=None,
        expires_on="2099-12-31",
    ).code
    outcomes = _race(people, code)
    assert outcomes.count("ok") == 1
    credited = [p for p in people if list(CreditRecord.query(p.oid))]
    assert len(credited) == 1
    winner = credited[0]
    assert codes_repo.get_code(code).redeemed_by == winner.oid
    totals = [t for t in credits_repo.totals(winner.oid) if t.bucket != credits_repo.SUMMARY]
    assert sum(float(t.event or 0) for t in totals) == 6


def test_credits_arriving_while_the_admission_date_changes_are_all_counted(
    embedded_tables: None,
) -> None:
    from chalicelib.services import cabinet

    person = make_person("1000000041", specialties=[("76", "2023-03-15")])
    issued = [
        codes_repo.issue(
            event_id="ev",
            day=f"2024-05-{d:02d}",
            specialty="76",
            hours=6,
            title=f"День {d}",
            issued_to=person.oid,
            expires_on="2099-12-31",
        ).code
        for d in range(1, 7)
    ]
    barrier = threading.Barrier(len(issued) + 1)

    def redeem(code: str) -> None:
        barrier.wait()
        codes.redeem(person, {"code": code})

    def move_cycle() -> None:
        barrier.wait()
        fresh = credits_repo_person(person.oid)
        cabinet.update_specialties(
            fresh, {"specialties": [{"code": "76", "admitted_on": "2022-01-10"}]}
        )

    with concurrent.futures.ThreadPoolExecutor(len(issued) + 1) as pool:
        futures = [pool.submit(redeem, c) for c in issued] + [pool.submit(move_cycle)]
        for f in futures:
            f.result()
    fresh = credits_repo_person(person.oid)
    (cycle,) = credits.cycles_view(fresh)
    assert cycle["starts"] == "2022-01-10"
    assert cycle["earned"]["total"] == 36


def credits_repo_person(oid: str):
    from chalicelib.db import people_repo

    person = people_repo.get_specialist(oid)
    assert person is not None
    return person


def test_parallel_guesses_cannot_get_past_ten_lookups_an_hour(embedded_tables: None) -> None:
    from chalicelib.domain.codes import new_code
    from chalicelib.errors import NotFound, TooManyAttempts

    person = make_person("1000000051", specialties=[("76", "2023-03-15")])
    guesses = [new_code() for _ in range(24)]
    barrier = threading.Barrier(len(guesses))

    def guess(code: str) -> str:
        barrier.wait()
        try:
            codes.redeem(person, {"code": code})
        except NotFound:
            return "404"
        except TooManyAttempts:
            return "429"
        return "ok"

    with concurrent.futures.ThreadPoolExecutor(len(guesses)) as pool:
        outcomes = list(pool.map(guess, guesses))
    assert outcomes.count("404") == 10 and outcomes.count("429") == 14
