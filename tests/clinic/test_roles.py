"""Who may do what: the one table in clinic/roles.py."""

from __future__ import annotations

import pytest

from clinic.models import Role
from clinic.roles import Ability, abilities_of, can, roles_for


class Member:
    def __init__(self, role: str) -> None:
        self.role = role


@pytest.mark.parametrize(
    ("ability", "reception", "practitioner", "manager"),
    [
        (Ability.READ_CLIENTS, True, True, True),
        (Ability.EDIT_CLIENTS, True, True, True),
        (Ability.BOOK, True, True, True),
        (Ability.MANAGE_STAFF, False, False, True),
        (Ability.MANAGE_CLINIC, False, False, True),
        (Ability.MANAGE_RESOURCES, False, False, True),
        (Ability.PUBLISH, False, False, True),
        (Ability.PLAN, False, True, True),
        (Ability.RECORD, False, True, True),
        (Ability.REVIEW_SCREENING, False, True, False),
        (Ability.RESEND_MESSAGES, True, True, True),
        (Ability.READ_AUDIT, False, False, True),
    ],
)
def test_each_ability_belongs_to_exactly_these_roles(ability, reception, practitioner, manager):
    assert can(Member(Role.RECEPTION), ability) is reception
    assert can(Member(Role.PRACTITIONER), ability) is practitioner
    assert can(Member(Role.MANAGER), ability) is manager


def test_every_ability_is_in_the_table_and_someone_holds_it():
    assert all(roles_for(ability) for ability in Ability)


def test_no_membership_may_do_nothing():
    assert not any(abilities_of(None).values())


def test_templates_get_one_flag_per_ability():
    flags = abilities_of(Member(Role.PRACTITIONER))
    assert flags["record"] is True
    assert flags["publish"] is False
    assert set(flags) == {ability.value for ability in Ability}
