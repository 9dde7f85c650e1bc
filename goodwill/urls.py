from django.contrib import admin
from django.urls import include, path

from goodwill.api import api
from goodwill.insights import views as insights_views

admin.site.site_header = "Goodwill administration"
admin.site.site_title = "Goodwill admin"

urlpatterns = [
    path("", insights_views.home, name="home"),
    path("accounts/", include("goodwill.accounts.urls")),
    path("inbox/", include("goodwill.conversations.urls")),
    path("messages/", include("goodwill.listening.urls")),
    path("customers/", include("goodwill.customers.urls")),
    path("sources/", include("goodwill.listening.urls_sources")),
    path("hooks/", include("goodwill.hooks.urls")),
    path("alerts/", include("goodwill.insights.urls")),
    path("value/", include("goodwill.value.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
