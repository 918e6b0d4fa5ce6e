"""Home redirect, sign-in and sign-out, preferences and API tokens."""

from django.urls import path

from upstream.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("account/", views.preferences, name="preferences"),
    path("account/language/", views.set_language, name="set_language"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
]
