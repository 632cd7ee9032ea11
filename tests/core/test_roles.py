import pytest
from django.contrib.auth.models import Group

from core.roles import ROLE_PERMISSIONS, role_of, sync_roles


@pytest.mark.django_db
def test_roles_exist_with_exactly_their_permissions():
    sync_roles()
    sync_roles()  # idempotent
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        names = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert names == set(perms)


def test_partner_has_no_desk_permission(users):
    partner = users["partner"]
    assert not partner.has_perm("incidents.view_incident")
    assert not partner.has_perm("incidents.view_restricted")
    assert partner.has_perm("incidents.api_read_published")


def test_only_editors_publish_and_assess(users):
    assert users["editor"].has_perm("incidents.publish_incident")
    assert users["editor"].has_perm("incidents.add_assessment")
    assert not users["analyst"].has_perm("incidents.publish_incident")
    assert not users["analyst"].has_perm("incidents.add_assessment")


def test_role_of_names_each_role(users):
    assert {role: role_of(user) for role, user in users.items()} == {
        "analyst": "analyst", "editor": "editor", "partner": "partner", "admin": "admin", None: None,
    }  # fmt: skip
