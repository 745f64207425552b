from django.urls import path

from accord.identity import views
from accord.identity.views import access as views_settings
from accord.identity.views import account as views_account

app_name = "identity"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_code, name="login-code"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set-language"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password-reset"),
    # Every user's own profile.
    path("account/", views_account.profile, name="profile"),
    path("account/password/", views_account.change_password, name="password-change"),
    path("account/tokens/", views_account.token_create, name="token-create"),
    path("account/tokens/<uuid:pk>/revoke/", views_account.token_revoke, name="token-revoke"),
    path("account/two-factor/", views_account.two_factor_setup, name="two-factor-setup"),
    path("account/two-factor/recovery-codes/", views_account.recovery_codes, name="recovery-codes"),
    path("account/two-factor/disable/", views_account.two_factor_disable, name="two-factor-disable"),
    # User administration (administrators only).
    path("settings/users/", views_settings.user_list, name="access-users"),
    path("settings/users/new/", views_settings.user_create, name="access-user-create"),
    path("settings/users/<uuid:pk>/", views_settings.user_detail, name="access-user"),
    path("settings/users/<uuid:pk>/active/", views_settings.user_set_active, name="access-user-active"),
    path("settings/users/<uuid:pk>/password/", views_settings.user_set_password, name="access-user-password"),
    path("settings/users/<uuid:pk>/reset-link/", views_settings.user_send_reset, name="access-user-reset-link"),
    path("settings/users/<uuid:pk>/two-factor/", views_settings.user_reset_two_factor, name="access-user-two-factor"),
    path("settings/teams/", views_settings.team_list, name="access-teams"),
    path("settings/teams/<uuid:pk>/", views_settings.team_edit, name="access-team"),
    path("settings/teams/<uuid:pk>/delete/", views_settings.team_delete, name="access-team-delete"),
    path("settings/territories/", views_settings.territory_list, name="access-territories"),
    path("settings/territories/<uuid:pk>/", views_settings.territory_edit, name="access-territory"),
    path("settings/territories/<uuid:pk>/delete/", views_settings.territory_delete, name="access-territory-delete"),
    path("settings/roles/", views_settings.role_list, name="access-roles"),
    path("settings/roles/new/", views_settings.role_edit, name="access-role-create"),
    path("settings/roles/<uuid:pk>/", views_settings.role_edit, name="access-role"),
    path("settings/roles/<uuid:pk>/delete/", views_settings.role_delete, name="access-role-delete"),
]
