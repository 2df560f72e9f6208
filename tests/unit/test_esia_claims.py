"""Who the tokens name: ЕСИА writes the oid as a JSON number; strings are accepted too, and both
become the same decimal string. Payloads follow ЕСИА's published examples."""

from __future__ import annotations

from typing import Any

import pytest
from chalicelib.esia.claims import oid_from_claim, subject_of
from chalicelib.esia.tokens import TokenRejected

OID = 1000299654


def esia_id_token(**changes: Any) -> dict[str, Any]:
    """An id_token payload as ЕСИА's examples show it."""
    claims: dict[str, Any] = {
        "aud": "NMOPORTAL",
        "sub": OID,
        "nbf": 1701254575,
        "amr": "PWD",
        "urn:esia:amd": "PWD",
        "auth_time": 1701254575,
        "iss": "http://esia.gosuslugi.ru/",
        "urn:esia:sid": "a1510cb2-0112-f2f5-3db6-6bc75db40e0e",
        "urn:esia:sbj": {
            "urn:esia:sbj:typ": "P",
            "urn:esia:sbj:is_tru": True,
            "urn:esia:sbj:oid": OID,
            "urn:esia:sbj:nam": f"OID.{OID}",
        },
        "exp": 1701258175,
        "iat": 1701254575,
    }
    claims.update(changes)
    return claims


def esia_access_token(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "nbf": 1701254575,
        "scope": f"openid fullname?oid={OID} snils?oid={OID}",
        "iss": "http://esia.gosuslugi.ru/",
        "urn:esia:sid": "a1510cb2-0112-f2f5-3db6-6bc75db40e0e",
        "urn:esia:sbj_id": OID,
        "exp": 1701258175,
        "iat": 1701254575,
        "client_id": "NMOPORTAL",
    }
    claims.update(changes)
    return claims


def test_numeric_oids_as_esia_sends_them_name_the_person() -> None:
    subject = subject_of(esia_id_token(), esia_access_token())
    assert subject.oid == "1000299654"
    assert subject.confirmed is True


def test_string_oids_name_the_same_person() -> None:
    subject = subject_of(
        esia_id_token(sub="1000299654"), esia_access_token(**{"urn:esia:sbj_id": "1000299654"})
    )
    assert subject.oid == "1000299654"


def test_a_number_in_one_token_and_a_string_in_the_other_agree() -> None:
    assert subject_of(esia_id_token(sub=OID), esia_access_token(**{"urn:esia:sbj_id": str(OID)}))


@pytest.mark.parametrize(
    ("identity", "access"),
    [
        ({"sub": OID + 1}, {}),
        ({}, {"urn:esia:sbj_id": OID + 1}),
        ({"urn:esia:sbj": {"urn:esia:sbj:oid": OID + 1, "urn:esia:sbj:is_tru": True}}, {}),
    ],
)
def test_tokens_that_name_different_people_are_refused(
    identity: dict[str, Any], access: dict[str, Any]
) -> None:
    with pytest.raises(TokenRejected):
        subject_of(esia_id_token(**identity), esia_access_token(**access))


@pytest.mark.parametrize("value", [True, 1.0e9, -5, "", " ", "12a", "١٢٣", [OID], {"oid": OID}])
def test_a_claim_that_is_not_an_oid_is_refused(value: Any) -> None:
    assert oid_from_claim(value) is None
    with pytest.raises(TokenRejected):
        subject_of(esia_id_token(sub=value), esia_access_token())


def test_a_token_pair_without_an_oid_is_refused() -> None:
    identity = esia_id_token()
    del identity["sub"]
    with pytest.raises(TokenRejected):
        subject_of(identity, esia_access_token())
    access = esia_access_token()
    del access["urn:esia:sbj_id"]
    with pytest.raises(TokenRejected):
        subject_of(esia_id_token(), access)


def test_an_account_without_is_tru_and_below_level_pr_is_not_confirmed() -> None:
    standard = {"urn:esia:sbj:typ": "P", "urn:esia:sbj:oid": OID, "urn:esia:sbj:lvl": "P"}
    assert (
        subject_of(esia_id_token(**{"urn:esia:sbj": standard}), esia_access_token()).confirmed
        is False
    )
    level_pr = {**standard, "urn:esia:sbj:lvl": "PR"}
    assert subject_of(esia_id_token(**{"urn:esia:sbj": level_pr}), esia_access_token()).confirmed
    assert (
        subject_of(esia_id_token(**{"urn:esia:sbj": None}), esia_access_token()).confirmed is False
    )
