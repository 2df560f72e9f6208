"""The `nmo` admin commands as an operator runs them (in-process, on moto)."""

from __future__ import annotations

from pathlib import Path

import pytest
from chalicelib.db import audit_repo, people_repo
from chalicelib.db.models import CatalogElement, EventSeats
from nmo_cli.cli import main
from nmo_cli.demo_data import DEMO_ORGANIZER_ORG, ORGANIZER_OID

SAMPLE = Path(__file__).resolve().parents[2] / "functions" / "nmo_cli" / "samples"


def test_demo_seed_twice_creates_the_catalog_once_and_keeps_changes(dynamodb, capsys):
    assert main(["demo", "seed", "--today", "2026-11-22"]) == 0
    first = capsys.readouterr().out
    assert "организаций создано: 9" in first
    count = CatalogElement.count()
    assert count >= 300
    edited = next(iter(CatalogElement.scan(limit=1)))
    edited.update(actions=[CatalogElement.title.set("Изменено после посева")])
    assert main(["demo", "seed", "--today", "2026-11-22"]) == 0
    second = capsys.readouterr().out
    assert "создано 0" in second and "роли: уже выданы" in second
    assert CatalogElement.count() == count
    assert CatalogElement.get(edited.element_id).title == "Изменено после посева"


def test_demo_seed_gives_the_personas_their_roles(dynamodb):
    main(["demo", "seed"])
    organizer = people_repo.get_specialist(ORGANIZER_OID)
    assert "organizer" in organizer.roles
    assert organizer.organization_id == DEMO_ORGANIZER_ORG.org_id
    assert organizer.snils is None  # the first ЕСИА login fills it in
    assert "moderator" in people_repo.get_specialist("1000000006").roles
    doctor = people_repo.get_specialist("1000000001")
    assert [s.code for s in doctor.specialties] == ["76"]


def test_roles_grant_and_revoke_are_audited(dynamodb, capsys):
    assert main(["roles", "grant", "3000000001", "moderator"]) == 0
    assert "выдана" in capsys.readouterr().out
    assert main(["roles", "grant", "3000000001", "moderator"]) == 0
    assert "уже есть" in capsys.readouterr().out
    assert people_repo.get_specialist("3000000001").roles == ["specialist", "moderator"]
    assert main(["roles", "revoke", "3000000001", "moderator"]) == 0
    assert people_repo.get_specialist("3000000001").roles == ["specialist"]
    history = audit_repo.history("person#3000000001")
    assert [e.action for e in history] == ["role.revoke.moderator", "role.grant.moderator"]
    assert history[0].actor == "admin-cli"
    assert history[0].before["roles"] == ["specialist", "moderator"]


def test_organizer_role_needs_an_existing_organization(dynamodb, capsys):
    assert main(["roles", "grant", "3000000002", "organizer"]) == 2
    assert "--organization" in capsys.readouterr().err
    assert main(["roles", "grant", "3000000002", "organizer", "--organization", "org-x"]) == 2
    assert "не найдена" in capsys.readouterr().err
    assert people_repo.get_specialist("3000000002") is None
    main(["demo", "seed"])
    org = DEMO_ORGANIZER_ORG.org_id
    assert main(["roles", "grant", "3000000002", "organizer", "--organization", org]) == 0
    assert people_repo.get_specialist("3000000002").organization_id == org
    assert main(["roles", "revoke", "3000000002", "organizer"]) == 0
    assert people_repo.get_specialist("3000000002").organization_id is None


def test_bad_oid_is_refused_in_russian(dynamodb, capsys):
    assert main(["roles", "grant", "abc; rm -rf", "admin"]) == 2
    assert "oid ЕСИА" in capsys.readouterr().err


def test_catalog_import_dry_run_then_apply(dynamodb, capsys):
    assert main(["catalog", "import", str(SAMPLE / "catalog_sample.csv")]) == 0
    assert "ничего не записано" in capsys.readouterr().out
    assert CatalogElement.count() == 0
    assert main(["catalog", "import", str(SAMPLE / "catalog_sample.csv"), "--apply"]) == 0
    out, err = capsys.readouterr()
    assert "новых 6" in out
    assert "загрузка" in err  # the progress bar goes to stderr
    assert CatalogElement.count() == 6


def test_catalog_import_exits_non_zero_on_errors_and_names_the_row(dynamodb, capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "код;название;вид;часы;специальности;ИНН провайдера\n"
        "A-1;Терапия;ДПП ПК;36;76;7604001017\n"
        "A-2;Терапия;ДПП ПК;36;76;7604001017\n"
        "A-3;Хирургия;ДПП ПК;8;90;7604001017\n",
        encoding="utf-8",
    )
    assert main(["catalog", "import", str(path), "--apply"]) == 1
    out = capsys.readouterr().out
    assert "строка 4: «часы»: у ДПП ПК от 16 до 500 ч, указано 8." in out
    assert CatalogElement.count() == 2


def test_catalog_import_of_a_missing_file_says_so(dynamodb, capsys, tmp_path):
    assert main(["catalog", "import", str(tmp_path / "none.csv")]) == 2
    assert "не найден" in capsys.readouterr().err


def test_db_backup_and_restore_through_the_command(dynamodb, capsys, tmp_path):
    main(["catalog", "import", str(SAMPLE / "catalog_sample.csv"), "--apply"])
    count = CatalogElement.count()
    target = tmp_path / "backup.jsonl"
    assert main(["db", "backup", str(target)]) == 0
    assert "сохранено записей" in capsys.readouterr().out
    assert not (tmp_path / "backup.jsonl.partial").exists()
    for item in CatalogElement.scan():
        item.delete()
    assert main(["db", "restore", str(target)]) == 0
    assert CatalogElement.count() == count
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{}\n", encoding="utf-8")
    assert main(["db", "restore", str(broken)]) == 2
    assert "заголовок" in capsys.readouterr().err


def test_db_init_creates_missing_tables_and_is_repeatable(settings_env, capsys):
    from moto import mock_aws

    with mock_aws():
        assert main(["db", "init"]) == 0
        assert "создана таблица nmo-test-catalog" in capsys.readouterr().out
        assert main(["db", "init"]) == 0
        assert "все таблицы уже есть" in capsys.readouterr().out


def test_demo_seed_rejects_a_bad_date(dynamodb, capsys):
    with pytest.raises(SystemExit):
        main(["demo", "seed", "--today", "22.11.2026"])
    assert "ГГГГ-ММ-ДД" in capsys.readouterr().err
    assert CatalogElement.count() == 0


def test_demo_seed_adds_roles_to_a_persona_who_logged_in_before(dynamodb):
    from tests.people import make_person, valid_snils

    snils = valid_snils(5)
    make_person(ORGANIZER_OID, roles=["specialist"], snils=snils)
    main(["demo", "seed"])
    organizer = people_repo.get_specialist(ORGANIZER_OID)
    assert organizer.roles == ["specialist", "organizer", "employer"]  # the employer view persona
    assert organizer.snils == snils  # what the login stored stays
    assert organizer.last_name == "Иванова"


def test_a_role_grant_racing_another_change_reads_again_and_keeps_both(dynamodb, monkeypatch):
    from chalicelib.services import roles as role_grants

    from tests.people import make_person

    make_person("3000000009", roles=["specialist"])
    stale = people_repo.get_specialist("3000000009")
    # Someone else grants a role between our read and our write.
    assert role_grants.grant_role("3000000009", "moderator")
    reads = iter([stale])
    real_get = people_repo.get_specialist
    monkeypatch.setattr(
        role_grants.people_repo, "get_specialist", lambda oid: next(reads, None) or real_get(oid)
    )
    assert role_grants.grant_role("3000000009", "admin")
    person = real_get("3000000009")
    assert person.roles == ["specialist", "moderator", "admin"]
    assert [e.action for e in audit_repo.history("person#3000000009")] == [
        "role.grant.admin",
        "role.grant.moderator",
    ]


def test_demo_seed_leaves_a_past_seminar_with_registrations_to_enter_attendance(dynamodb, capsys):
    import datetime as dt

    from chalicelib.db.models import Registration
    from chalicelib.services.lifecycle import finish_ended_events
    from nmo_cli.demo_data import DEMO_ATTENDEES, attended_event

    today = dt.date.today()
    assert main(["demo", "seed"]) == 0
    assert "5 новых записей" in capsys.readouterr().out
    event = attended_event(today)
    stored = CatalogElement.get(event["element_id"])
    assert stored.organizer_id == DEMO_ORGANIZER_ORG.org_id
    assert stored.ends_on < today.isoformat()
    assert EventSeats.get(event["element_id"]).seats_taken == len(DEMO_ATTENDEES)
    regs = list(Registration.query(event["element_id"]))
    assert {r.oid for r in regs} == {oid for oid, *_ in DEMO_ATTENDEES}
    assert {r.status for r in regs} == {"confirmed"}
    assert finish_ended_events() >= 1
    assert CatalogElement.get(event["element_id"]).status == "finished"
    assert main(["demo", "seed"]) == 0  # again: nothing doubled
    assert "0 новых записей" in capsys.readouterr().out
    assert len(list(Registration.query(event["element_id"]))) == len(DEMO_ATTENDEES)
