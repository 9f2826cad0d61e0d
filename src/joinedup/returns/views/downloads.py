"""Placeholder until written."""
from django.http import Http404


def export_download(request, *args, **kwargs):
    raise Http404


def template_download(request, *args, **kwargs):
    raise Http404
