"""The code page of a two-factor sign-in, and the page that turns it on or off."""

from __future__ import annotations

from base64 import b32encode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.web.two_factor import may_use_two_factor, needs_code, record, remember

WRONG_CODE = "Enter the 6-digit code your authenticator app shows now"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app", max_length=6, min_length=6,
        error_messages={"required": "Enter the 6-digit code from your authenticator app",
                        "min_length": WRONG_CODE, "max_length": WRONG_CODE},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "spellcheck": "false"}),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit():
            raise forms.ValidationError(WRONG_CODE)
        return code


def _next(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, {request.get_host()},
                                       require_https=request.is_secure()):
        return wanted
    return settings.LOGIN_REDIRECT_URL


WAIT = ("The last code was wrong, so wait a few seconds (longer after each wrong code), "
        "then enter the code your authenticator app shows now.")


def _checked(user, code: str, device: TOTPDevice | None = None):
    """The device the code is right for, or why it was refused: wrong, or sent too soon
    after a wrong one (each wrong code in a row doubles the wait before the next is tried)."""
    device = device or TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None, "The code is not right. " + WRONG_CODE
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return None, WAIT
    if device.verify_token(code):
        return device, ""
    return None, "The code is not right. " + WRONG_CODE


@login_required
def sign_in_code(request):
    user = request.user
    if user.is_verified() or not needs_code(request):
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, refusal = _checked(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", refusal)
    return render(request, "web/sign_in_code.html", {"form": form, "next": _next(request)})


def _qr_code(device: TOTPDevice) -> str:
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=4, svgclass="app-qr-code", lineclass=None, omitsize=False)
    return mark_safe(svg.replace(  # noqa: S308  # nosec B308, B703 - segno's own markup of our own URL
        "<svg ", '<svg role="img" aria-label="QR code holding the setup key" ', 1))


@login_required
def two_factor_settings(request):
    user = request.user
    if not may_use_two_factor(user):
        raise Http404("Two-factor sign-in is for officers and administrators.")
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = CodeForm(request.POST or None)
    if confirmed is not None:
        if request.method == "POST" and form.is_valid():
            device, refusal = _checked(user, form.cleaned_data["code"], confirmed)
            if device is not None:
                with transaction.atomic():
                    for device in TOTPDevice.objects.filter(user=user):
                        record(device, "delete", user)
                        device.delete()
                remember(request, False)
                messages.success(request, "Two-factor sign-in is off.")
                return redirect("web:two-factor")
            form.add_error("code", refusal)
        return render(request, "web/two_factor.html", {"form": form, "device": confirmed})

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Authenticator app"})
    if request.method == "POST" and form.is_valid():
        found, refusal = _checked(user, form.cleaned_data["code"], device)
        if found is not None:
            with transaction.atomic():
                device.confirmed = True
                device.save()
                record(device, "create", user)
            otp_login(request, device)
            remember(request, True)
            messages.success(request, "Two-factor sign-in is on. Next time you sign in, "
                                      "enter the code your app shows after your password.")
            return redirect("web:two-factor")
        form.add_error("code", refusal)
    key = b32encode(device.bin_key).decode()
    return render(request, "web/two_factor.html", {
        "form": form, "device": None, "qr_code": _qr_code(device),
        "key": " ".join(key[i:i + 4] for i in range(0, len(key), 4)),
    })
