"""The demo therapist arrives with a learning history and a code to try, the same on every seed."""

from __future__ import annotations

import datetime as dt

from chalicelib.db import credits_repo
from chalicelib.domain.codes import has_valid_check, normalize_code
from chalicelib.services import credits
from nmo_cli.demo_data import DEMO_DOCTOR_HISTORY, DEMO_DOCTOR_SNILS, seed_demo

from tests.people import make_person


def test_seeding_twice_keeps_one_history_and_the_same_redeemable_code(dynamodb):
    today = dt.date(2026, 11, 22)
    first = seed_demo(today)
    second = seed_demo(today)
    assert first.demo_code is not None
    assert first.demo_code == second.demo_code
    assert has_valid_check(normalize_code(first.demo_code))
    assert len(list(credits_repo.pending_for(DEMO_DOCTOR_SNILS))) == len(DEMO_DOCTOR_HISTORY)

    doctor = make_person("1000000001", specialties=[("76", "2022-03-15")], snils=DEMO_DOCTOR_SNILS)
    assert credits.apply_pending_credits(doctor) == len(DEMO_DOCTOR_HISTORY)
    (cycle,) = credits.cycles_view(doctor, today)
    assert cycle["earned"]["total"] == sum(h for _, _, h, _, _ in DEMO_DOCTOR_HISTORY)
    assert cycle["earned"]["dpp_pk"] == 36 + 72
