"""A strict Content Security Policy on every page, and pages that need nothing looser."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

import pytest

PAGES = [
    "/",
    "/indicators/ng-07/",
    "/indicators/ng-07/map/",
    "/areas/E08000037/profile/",
    "/account/sign-in/",
]
OFFICERS_PAGES = ["/bodies/gsp-board/report/", "/resources/", "/risks/"]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in
            (part.split() for part in header.split(";") if part.strip())}


def test_a_page_has_a_strict_policy_without_unsafe_inline(db, client):
    response = client.get("/")
    assert response.status_code == 200
    policy = directives(response)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def inline_code(html: str) -> list[str]:
    scripts = [tag for tag in re.findall(r"<script\b[^>]*>", html) if " src=" not in tag]
    styles = re.findall(r"<style\b[^>]*>", html)
    attributes = re.findall(r"\sstyle=\"[^\"]*\"", html)
    handlers = re.findall(r"\son[a-z]+=\"[^\"]*\"", html)
    return scripts + styles + attributes + handlers


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_hold_no_inline_script_or_style(db, client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize("path", OFFICERS_PAGES)
def test_signed_in_pages_hold_no_inline_script_or_style(client_as, path):
    response = client_as("officer").get(path)
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


def test_the_error_page_holds_no_inline_style(db, client):
    from django.template.loader import render_to_string

    assert inline_code(render_to_string("500.html")) == []


def test_check_deploy_is_clean_when_https_is_on(tmp_path):
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT"}
    env = {name: value for name, value in os.environ.items() if name in keep}
    env.update(HTTPS="1", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50),
               ALLOWED_HOSTS="joinedup.example.org", JOINEDUP_DATA_DIR=str(tmp_path),
               DJANGO_SETTINGS_MODULE="joinedup.settings")
    code = ("import django; django.setup(); from django.core.management import call_command;"
            "call_command('check', deploy=True, fail_level='WARNING')")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
