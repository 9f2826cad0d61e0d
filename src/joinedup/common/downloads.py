"""A file for the browser to save: private to the reader, never kept by a cache."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers


def attachment(content: bytes, name: str, content_type: str) -> HttpResponse:
    """``content`` offered as the file ``name``. Exports hold what one person may see, so
    no shared cache may keep or share them."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
    return response
