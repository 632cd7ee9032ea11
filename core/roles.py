"""The four roles of DOMAIN.md as Django groups with fixed permissions.

Roles are fixed, so a table suffices: no constraint engine. ``visible_to(user)`` on each queryset
reads these permissions; views and endpoints check them; nothing else decides who sees what.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

__all__ = ["ANALYST", "EDITOR", "PARTNER", "ADMIN", "ROLES", "ROLE_PERMISSIONS", "role_of", "sync_roles"]

ANALYST, EDITOR, PARTNER, ADMIN = "analyst", "editor", "partner", "admin"
ROLES = (ANALYST, EDITOR, PARTNER, ADMIN)

_DESK_WRITE = [
    "incidents.view_incident", "incidents.add_incident", "incidents.change_incident",
    "incidents.view_source", "incidents.add_source", "incidents.change_source",
    "incidents.view_casualtyclaim", "incidents.add_casualtyclaim",
    "incidents.view_attribution", "incidents.add_attribution",
    "incidents.view_assessment",
    "actors.view_actor", "geo.view_area", "incidents.view_mention", "incidents.change_mention",
    "reports.view_summarycell",
]  # fmt: skip

ROLE_PERMISSIONS = {
    ANALYST: _DESK_WRITE,
    EDITOR: _DESK_WRITE
    + [
        "incidents.view_restricted",
        "incidents.publish_incident",
        "incidents.add_assessment",
        "reports.view_situationreport",
        "reports.add_situationreport",
    ],
    # Partners read the published, public record through the API; no desk permission at all.
    PARTNER: ["incidents.api_read_published"],
    ADMIN: [
        "auth.view_user", "auth.add_user", "auth.change_user",
        "auth.view_group", "auth.change_group",
        "core.view_apitoken", "core.add_apitoken", "core.delete_apitoken",
        # A lost phone: the admin removes the person's two-factor devices (never reads their secrets).
        "otp_totp.view_totpdevice", "otp_totp.delete_totpdevice",
        "otp_static.view_staticdevice", "otp_static.delete_staticdevice",
        "actors.view_actor", "actors.add_actor", "actors.change_actor",
        "actors.view_actoralias", "actors.add_actoralias", "actors.change_actoralias", "actors.delete_actoralias",
        "geo.view_area", "geo.add_area", "geo.change_area",
        "geo.view_areaname", "geo.add_areaname", "geo.change_areaname", "geo.delete_areaname",
    ],
}  # fmt: skip


def role_of(user) -> str | None:
    """The highest role a user holds (admin > editor > analyst > partner), or None."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    names = {g.name for g in user.groups.all()}
    return next((role for role in (ADMIN, EDITOR, ANALYST, PARTNER) if role in names), None)


def sync_roles(**kwargs):
    """Create the groups and give each exactly its permissions. Idempotent; runs after migrate."""
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
