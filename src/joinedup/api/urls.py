"""The API's addresses; anything else under /api/ answers JSON, as the API does."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from joinedup.api.api import api


@csrf_exempt
def unknown(request, rest=""):
    return JsonResponse({"detail": "There is no such API address. The routes are listed at "
                         "/api/docs and in /api/openapi.json."}, status=404)


urlpatterns = [
    path("", api.urls),
    re_path(r"^(?P<rest>.*)$", unknown),
]
