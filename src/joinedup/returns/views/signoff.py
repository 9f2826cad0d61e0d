"""Placeholder until written."""
from django.http import Http404


def approvals(request, *args, **kwargs):
    raise Http404


def my_values(request, *args, **kwargs):
    raise Http404


def value(request, *args, **kwargs):
    raise Http404
