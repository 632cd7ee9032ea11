"""Who may call the API at all, and which permission each write needs.

What a caller may *read* is decided by ``visible_to(user)`` on the queryset (core.api.BaseViewSet);
this class only decides whether the request may be made: anonymous → 401, no role → 403,
partners read only, each write action checks the permission its viewset names in ``write_permissions``.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

__all__ = ["API_READ_PERMISSIONS", "RolePermission"]

# Holding any of these makes a user an API reader: desk roles through their desk permission, partners
# through theirs. An authenticated account with no role reads nothing.
API_READ_PERMISSIONS = ("incidents.view_incident", "incidents.api_read_published")


class RolePermission(BasePermission):
    """Reads need any of ``view.read_permissions`` (default: a desk or partner role); writes need the permission
    ``view.write_permissions[view.action]`` names.

    An action missing from ``write_permissions`` is refused to everyone: a new write must be granted explicitly.
    """

    message = "Your role does not allow this."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not any(user.has_perm(perm) for perm in getattr(view, "read_permissions", API_READ_PERMISSIONS)):
            return False
        if request.method in SAFE_METHODS:
            return True
        if getattr(view, "action", "") is None:
            return True  # a method no route maps: DRF answers 405, which says more than 403
        required = getattr(view, "write_permissions", {}).get(getattr(view, "action", None))
        return bool(required) and user.has_perm(required)
