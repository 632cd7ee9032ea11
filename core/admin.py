"""Users with their role shown, so an admin sees at a glance who is analyst, editor, partner or admin; and their
API tokens: issued from the user list (shown once), listed with expiry and last use, revoked by deleting them."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from core.models import ApiToken
from core.roles import role_of
from core.tokens import token_issue

User = get_user_model()
admin.site.unregister(User)
admin.site.site_header = "Incident tracker administration"

_TOKEN_FIELDS = ("key_start", "note", "created", "expiry", "last_used")


class _TokenColumns:
    @admin.display(description="key starts")
    def key_start(self, obj):
        return f"{obj.token_key[:8]}…"


class ApiTokenInline(_TokenColumns, admin.TabularInline):
    """The user's tokens on their page; ticking "delete" and saving revokes one."""

    model = ApiToken
    extra = 0
    fields = readonly_fields = _TOKEN_FIELDS
    verbose_name_plural = "API tokens (issue one with the user list's action; delete to revoke)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class RoleUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "is_active", "last_login")
    list_filter = ("groups", "is_active", "is_staff")
    inlines = [ApiTokenInline]
    actions = ["issue_token"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def role(self, obj):
        return role_of(obj) or "—"

    def has_issue_token_permission(self, request):
        return request.user.has_perm("core.add_apitoken")

    @admin.action(description="Issue an API token (shown once)", permissions=["issue_token"])
    def issue_token(self, request, queryset):
        """A page showing each new key once; it is never stored, so it cannot be shown again."""
        inactive = [user.username for user in queryset if not user.is_active]
        if inactive:
            self.message_user(request, f"Deactivated, no token issued: {', '.join(inactive)}.", messages.ERROR)
            return None
        issued = [(user, token_issue(user=user, note=f"issued in the admin by {request.user.username}"))
                  for user in queryset]  # fmt: skip
        context = {**self.admin_site.each_context(request), "title": "API tokens issued", "issued": issued}
        response = TemplateResponse(request, "admin/core/token_issued.html", context)
        add_never_cache_headers(response)  # the keys must not linger in a cache
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(_TokenColumns, admin.ModelAdmin):
    """Every token, newest first. Tokens are issued from the user list and never edited; deleting revokes."""

    list_display = ("user", *_TOKEN_FIELDS, "status")
    list_filter = ("expiry", "last_used")
    search_fields = ("user__username", "note", "token_key")
    fields = readonly_fields = ("user", *_TOKEN_FIELDS)
    list_select_related = ("user",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Revoke" says what deleting a token means, without a second page
        return actions

    @admin.action(description="Revoke selected tokens (refused from the next call)", permissions=["delete"])
    def revoke(self, request, queryset):
        count, _ = queryset.delete()
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)

    @admin.display(description="status")
    def status(self, obj):
        return "expired" if obj.expiry and obj.expiry < timezone.now() else "active"
