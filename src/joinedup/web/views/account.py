"""Sign in and out, the site's static information pages, and its error pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.generic import TemplateView

from joinedup.web.forms import SignInForm


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        "There have been too many failed attempts to sign in to this account or from "
        f"this address. Wait {minutes} minutes and try again, or ask your partnership "
        "officer to unlock the account."
    )


class LockableSignInForm(SignInForm):
    """The sign-in form, saying so when a lockout, not a wrong password, refused it."""

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(lockout_message(), code="locked_out")
        return super().get_invalid_login_error()


class SignInView(auth_views.LoginView):
    template_name = "web/sign_in.html"
    authentication_form = LockableSignInForm
    redirect_authenticated_user = True


def locked_out(request, response, credentials):
    """django-axes calls this for a sign-in it refused for a lockout. The sign-in page has
    already said why in its error summary, so it stays, as 429 (Too Many Requests); another
    sign-in form (the administration's) is answered with the sign-in page saying the same."""
    match = request.resolver_match
    if response is not None and match is not None and match.view_name == "web:sign-in":
        response.status_code = 429
        return response
    username = (credentials or {}).get("username") or ""
    form = LockableSignInForm(request, initial={"username": username})
    form.cleaned_data = {}  # an unbound form has none, and add_error expects some
    form.add_error(None, ValidationError(lockout_message(), code="locked_out"))
    return render(request, "web/sign_in.html", {"form": form, "next": ""}, status=429)


def client_address(request) -> str | None:
    """The address a request comes from, for counting failed sign-ins: the connection's
    own, or behind ``PROXY_COUNT`` proxies the one the nearest proxy saw, which is the
    rightmost it could vouch for; entries further left are whatever the client wrote."""
    count = settings.PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in
                     request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


class SignOutView(auth_views.LogoutView):
    pass


class AboutDataView(TemplateView):
    template_name = "web/about_data.html"

    def get_context_data(self, **kwargs):
        from joinedup.strategy.models import Indicator

        context = super().get_context_data(**kwargs)
        sources: dict[str, list] = {}
        for indicator in Indicator.objects.visible_to(self.request.user).order_by("code"):
            sources.setdefault(indicator.source, []).append(indicator)
        context["sources"] = sorted(sources.items())
        return context


class AccessibilityView(TemplateView):
    template_name = "web/accessibility.html"


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)
