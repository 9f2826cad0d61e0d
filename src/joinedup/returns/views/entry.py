"""Placeholder until written."""
from django.http import Http404


def enter(request, *args, **kwargs):
    raise Http404
