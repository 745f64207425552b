"""Reference data for administrators. Records of the business (contacts, deals...) are never
edited here: their rules live in services, which the product's own screens call."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accord.identity.models import ApiToken, Role, Team, Territory, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active", "teams"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Accord"), {"fields": ("role", "teams", "territories", "language", "timezone", "phone")}),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        (_("Accord"), {"fields": ("role", "email", "first_name", "last_name")}),
    )
    filter_horizontal = ["teams", "territories", "groups", "user_permissions"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "visibility",
        "edit_reach",
        "delete_reach",
        "can_export",
        "sees_amounts",
        "is_admin",
        "requires_two_factor",
    ]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["managers"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]
