"""Sign in and out, the site's static information pages, and its error pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.views.generic import TemplateView

from joinedup.web.forms import SignInForm


class SignInView(auth_views.LoginView):
    template_name = "web/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


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
