"""The demo therapist arrives with a learning history and a paper code to try: random, never
derivable from the event, and the seed refuses a deployed stage."""

from __future__ import annotations

import datetime as dt

from chalicelib.db import credits_repo
from chalicelib.domain.codes import has_valid_check, normalize_code
from chalicelib.services import credits
from nmo_cli.demo_data import DEMO_DOCTOR_HISTORY, DEMO_DOCTOR_SNILS, seed_demo

from tests.people import make_person


def test_seeding_twice_keeps_one_history_and_gives_random_redeemable_codes(dynamodb):
    import hashlib

    from chalicelib.db import codes_repo

    today = dt.date(2026, 11, 22)
    first = seed_demo(today)
    second = seed_demo(today)
    assert first.demo_code is not None and second.demo_code is not None
    assert first.demo_code != second.demo_code  # random, not computed from the event
    assert has_valid_check(normalize_code(first.demo_code))
    item = codes_repo.get_code(normalize_code(first.demo_code))
    assert item is not None and item.redeemed_at is None
    derived = hashlib.sha256(f"demo-code\x1f{item.event_id}".encode()).hexdigest()
    assert normalize_code(first.demo_code) not in derived.upper()
    assert len(list(credits_repo.pending_for(DEMO_DOCTOR_SNILS))) == len(DEMO_DOCTOR_HISTORY)

    doctor = make_person("1000000001", specialties=[("76", "2022-03-15")], snils=DEMO_DOCTOR_SNILS)
    assert credits.apply_pending_credits(doctor) == len(DEMO_DOCTOR_HISTORY)
    (cycle,) = credits.cycles_view(doctor, today)
    assert cycle["earned"]["total"] == sum(h for _, _, h, _, _ in DEMO_DOCTOR_HISTORY)
    assert cycle["earned"]["dpp_pk"] == 36 + 72


def test_demo_seed_refuses_a_deployed_stage_without_the_explicit_flag(
    dynamodb, monkeypatch, capsys
):
    from chalicelib.settings import reset_settings
    from nmo_cli.cli import main

    monkeypatch.setenv("NMO_STAGE", "pilot")
    reset_settings()
    try:
        assert main(["demo", "seed"]) == 2
        assert "--allow-deployed-stage" in capsys.readouterr().err
    finally:
        monkeypatch.delenv("NMO_STAGE")
        reset_settings()
