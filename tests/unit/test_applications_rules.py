"""The rules of applications (domain/applications.py): every transition, routing, working days,
claims and documents."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from chalicelib.domain import applications as rules
from chalicelib.errors import Conflict, InvalidInput

TODAY = dt.date(2026, 12, 1)  # a Tuesday

EXPECTED = {
    ("submitted", "take"): "in_review",
    ("submitted", "accept"): "accepted",
    ("submitted", "reject"): "rejected",
    ("in_review", "accept"): "accepted",
    ("in_review", "reject"): "rejected",
    ("rejected", "appeal"): "appealed",
    ("appealed", "accept"): "final_accepted",
    ("appealed", "reject"): "final_rejected",
}


@pytest.mark.parametrize(("status", "action"), sorted(EXPECTED))
def test_each_allowed_transition_leads_where_the_diagram_says(status, action):
    assert rules.next_status(status, action) == EXPECTED[(status, action)]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        pair
        for pair in itertools.product(rules.STATUSES, ["take", "accept", "reject", "appeal"])
        if pair not in EXPECTED
    ],
)
def test_every_other_transition_is_a_conflict(status, action):
    with pytest.raises(Conflict) as err:
        rules.next_status(status, action)
    assert err.value.code == "wrong_status"


def test_an_appeal_is_possible_once_only():
    status = rules.next_status("rejected", "appeal")
    status = rules.next_status(status, "reject")
    with pytest.raises(Conflict, match="только один раз"):
        rules.next_status(status, "appeal")


def test_final_states_accept_nothing_more():
    for status in ("accepted", "final_accepted", "final_rejected"):
        assert rules.is_final(status)
        assert not [a for (s, a) in rules.TRANSITIONS if s == status]


def test_routing_goes_to_the_organization_on_the_portal_else_to_moderators():
    assert rules.routed_reviewer("org-kgmu", organizer_on_portal=True) == "org#org-kgmu"
    assert rules.routed_reviewer("org-kgmu", organizer_on_portal=False) == rules.MODERATORS
    assert rules.routed_reviewer(None, organizer_on_portal=True) == rules.MODERATORS


def test_appeals_and_applications_open_over_ten_working_days_go_to_moderators():
    org = "org#org-kgmu"
    assert rules.effective_reviewer(org, "appealed", TODAY, TODAY) == rules.MODERATORS
    filed = dt.date(2026, 11, 17)  # a Tuesday: exactly 10 working days before TODAY
    assert rules.working_days_between(filed, TODAY) == 10
    assert rules.effective_reviewer(org, "submitted", filed, TODAY) == org
    assert rules.effective_reviewer(org, "in_review", filed - dt.timedelta(days=1), TODAY) == (
        rules.MODERATORS
    )
    # A decided application stays with whoever decided it.
    assert rules.effective_reviewer(org, "rejected", dt.date(2026, 1, 1), TODAY) == org


def test_working_days_skip_weekends_and_public_holidays():
    assert not rules.is_working_day(dt.date(2026, 11, 4))  # День народного единства
    assert not rules.is_working_day(dt.date(2026, 11, 7))  # a Saturday
    assert rules.is_working_day(dt.date(2026, 11, 5))
    assert rules.working_days_between(dt.date(2026, 12, 31), dt.date(2027, 1, 11)) == 1
    assert rules.working_days_between(TODAY, TODAY) == 0


def test_organizers_review_only_their_organizations_moderators_any():
    assert rules.may_review("org#a", roles=["organizer"], organization_id="a")
    assert not rules.may_review("org#a", roles=["organizer"], organization_id="b")
    assert not rules.may_review(rules.MODERATORS, roles=["organizer"], organization_id="a")
    assert rules.may_review("org#a", roles=["moderator"], organization_id=None)
    assert not rules.may_review("org#a", roles=["specialist"], organization_id="a")


def test_each_kind_requires_its_own_fields():
    with pytest.raises(InvalidInput) as err:
        rules.parse_claim({"kind": "missing_event"}, TODAY)
    assert [f for f, _ in err.value.problems] == ["element_id", "day", "specialty"]
    with pytest.raises(InvalidInput) as err:
        rules.parse_claim({"kind": "record_error"}, TODAY)
    assert [f for f, _ in err.value.problems] == ["description", "record_id"]
    claim = rules.parse_claim(
        {
            "kind": "missing_programme",
            "element_id": "dpp-1",
            "completed_on": "2026-10-01",
            "document_number": " 12 ",
            "specialty": "76",
        },
        TODAY,
    )
    assert (claim.title, claim.document_number) == (None, "12")


def test_a_future_date_is_refused():
    with pytest.raises(InvalidInput) as err:
        rules.parse_claim(
            {"kind": "missing_event", "element_id": "e", "day": "2026-12-02", "specialty": "76"},
            TODAY,
        )
    assert err.value.field == "day"


def test_documents_are_pdf_jpeg_or_png_up_to_10_mb():
    assert rules.check_document("скан.PDF", "application/pdf", 10 * 1024 * 1024) == (
        "скан.pdf",
        "application/pdf",
    )
    for bad in [
        ("a.exe", "application/octet-stream", 10),
        ("a.pdf", "application/pdf", 0),
        ("a.pdf", "application/pdf", 10 * 1024 * 1024 + 1),
        ("a.pdf", "application/pdf", "1"),
    ]:
        with pytest.raises(InvalidInput):
            rules.check_document(*bad)


def test_the_real_type_comes_from_the_first_bytes():
    assert rules.content_type_of(b"%PDF-1.7\n") == "application/pdf"
    assert rules.content_type_of(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert rules.content_type_of(b"\x89PNG\r\n\x1a\n") == "image/png"
    assert rules.content_type_of(b"MZ\x90\x00") is None
    assert rules.content_type_of(b"") is None


def test_names_are_sanitised():
    assert rules.sanitised_name("../../etc/passwd", "application/pdf") == "passwd.pdf"
    assert (
        rules.sanitised_name('C:\\Users\\a\\"справка" №1.jpeg', "image/jpeg") == "справка_ _1.jpg"
    )
    assert rules.sanitised_name("", "image/png") == "документ.png"
    assert (
        rules.sanitised_name("x\r\nSet-Cookie: a.pdf", "application/pdf") == "x_Set-Cookie_ a.pdf"
    )
    assert len(rules.sanitised_name("я" * 500 + ".pdf", "application/pdf")) == 94
