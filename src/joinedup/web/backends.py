"""The one authentication backend: Django's, with django-axes's lockout check in front.

django-axes's own backends only check, and expect Django's beside them; but with two
backends, ``Person.objects.with_perm`` must be told which to ask. One backend that does
both keeps that simple.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend


class LockableModelBackend(AxesStandaloneBackend, ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        # Raises PermissionDenied for a locked-out account or address, which Django's
        # authenticate() turns into a failed sign-in that django-axes then explains.
        AxesStandaloneBackend.authenticate(self, request, username, password, **kwargs)
        return ModelBackend.authenticate(self, request, username, password, **kwargs)
