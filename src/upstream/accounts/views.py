"""Sign-in, the home redirect, preferences (time zone, language) and personal API tokens."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from upstream.accounts.forms import PreferencesForm, TokenForm
from upstream.accounts.models import ApiToken, User
from upstream.accounts.services import create_api_token, revoke_api_token, update_preferences
from upstream.core.errors import DomainError, NotFound


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Staff start in the inbox, customers in the portal, everyone else at the sign-in page."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if _user(request).is_staff_member:
        return redirect("tickets:inbox_home")
    return redirect("tickets:portal")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or an image tag cannot sign someone out."""


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, and for a signed-in user the choice is also saved as their preference."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        update_preferences(by=_user(request), language=language)
    return django_set_language(request)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = 200
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                update_preferences(
                    by=user, time_zone=form.cleaned_data["time_zone"], language=form.cleaned_data["language"]
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Your preferences have been saved."))
                response = redirect("accounts:preferences")
                if user.language:
                    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language)
                else:
                    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
                return response
        else:
            status = 422
    else:
        form = PreferencesForm(initial={"time_zone": user.time_zone, "language": user.language})
    return render(request, "accounts/preferences.html", {"form": form}, status=status)


def _render_tokens(request: HttpRequest, form: TokenForm, *, new_token: str = "", status: int = 200) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=_user(request)).order_by("revoked_at", "-created_at")
    response = render(
        request, "accounts/tokens.html", {"form": form, "tokens": tokens, "new_token": new_token}, status=status
    )
    add_never_cache_headers(response)  # the page may carry a raw token
    return response


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_tokens(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _render_tokens(request, form, status=422)
    try:
        _token, raw = create_api_token(by=_user(request), name=form.cleaned_data["name"])
    except DomainError as exc:
        form.add_error("name", exc.message)
        return _render_tokens(request, form, status=exc.status)
    # Shown on this response only: the database keeps nothing but its hash.
    return _render_tokens(request, TokenForm(), new_token=raw, status=201)


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        revoke_api_token(by=_user(request), token_id=token_id)
    except NotFound:
        raise Http404(_("No such active token.")) from None
    messages.success(request, _("The token has been revoked; programs using it can no longer sign in."))
    return redirect("accounts:tokens")
