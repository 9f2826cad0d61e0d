"""Placeholder until written."""
from django.http import Http404


def upload(request, *args, **kwargs):
    raise Http404


def upload_new(request, *args, **kwargs):
    raise Http404
