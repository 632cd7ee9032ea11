"""Users with their role shown, so an admin sees at a glance who is analyst, editor, partner or admin."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from core.roles import role_of

User = get_user_model()
admin.site.unregister(User)
admin.site.site_header = "Incident tracker administration"


@admin.register(User)
class RoleUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "is_active", "last_login")
    list_filter = ("groups", "is_active", "is_staff")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def role(self, obj):
        return role_of(obj) or "—"
