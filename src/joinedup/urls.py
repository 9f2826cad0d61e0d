from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("joinedup.partnership.urls")),
    path("", include("joinedup.strategy.urls")),
    path("areas/", include("joinedup.places.urls")),
    path("returns/", include("joinedup.returns.urls")),
    path("api/", include("joinedup.api.urls")),
    path("account/", include("joinedup.web.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "joinedup.web.views.permission_denied"
handler404 = "joinedup.web.views.page_not_found"
handler500 = "joinedup.web.views.server_error"
