"""V021 names as people choose from them: the same name at two education levels is told apart."""

from __future__ import annotations

from chalicelib.domain.specialties import all_specialties, specialty_name


def test_names_shared_by_two_education_levels_carry_the_level() -> None:
    assert specialty_name("95") == "Лечебное дело (высшее образование)"
    assert specialty_name("206") == "Лечебное дело (среднее образование)"
    assert specialty_name("219") == "Сестринское дело (среднее образование)"
    assert specialty_name("76") == "Терапия"


def test_every_name_a_person_chooses_from_is_unique() -> None:
    names = [specialty_name(s.code) for s in all_specialties()]
    assert len(names) == len(set(names))
