"""Root URL map. Each app owns its own urls module; the API is one NinjaAPI mounted at /api/."""

from django.contrib import admin
from django.urls import include, path

from upstream.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("upstream.accounts.urls")),
    path("", include("upstream.customers.urls")),
    path("", include("upstream.tickets.urls")),
    path("", include("upstream.sla.urls")),
    path("", include("upstream.notifications.urls")),
    path("", include("upstream.channels.email.urls")),
    path("", include("upstream.kb.assist.urls")),
    path("", include("upstream.kb.urls")),
    path("", include("upstream.surveys.urls")),
    path("", include("upstream.hours.urls")),
    path("", include("upstream.success.urls")),
    path("", include("upstream.analytics.urls")),
    path("", include("upstream.portability.urls")),
]
