"""Placeholder until written."""
from django.http import Http404


def round_detail(request, *args, **kwargs):
    raise Http404


def rounds(request, *args, **kwargs):
    raise Http404
