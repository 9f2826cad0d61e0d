from django.contrib import admin
from django.urls import include, path

from joinedup.web import urls as site

urlpatterns = [
    path("", include(site.partnership_urls)),
    path("", include(site.strategy_urls)),
    path("areas/", include(site.places_urls)),
    path("returns/", include("joinedup.returns.urls")),
    path("exceptions/", include("joinedup.exceptions.urls")),
    path("resources/", include("joinedup.resources.urls")),
    path("risks/", include("joinedup.risks.urls")),
    path("places/", include("joinedup.localities.urls")),
    path("", include("joinedup.reports.urls")),
    path("health-check/", include("joinedup.reviews.urls")),
    path("constitution/", include("joinedup.constitution.urls")),
    path("benchmarks/", include("joinedup.benchmarks.urls")),
    path("public/", include("joinedup.public.urls")),
    path("api/", include("joinedup.api.urls")),
    path("account/", include(site.account_urls)),
    path("admin/", admin.site.urls),
    path("health/", include("joinedup.maintenance.urls")),
]

handler403 = "joinedup.web.views.account.permission_denied"
handler404 = "joinedup.web.views.account.page_not_found"
handler500 = "joinedup.web.views.account.server_error"
