from django.contrib import admin
from django.urls import include, path

from goodwill.api import api
from goodwill.insights import views as insights_views

urlpatterns = [
    path("", insights_views.home, name="home"),
    path("accounts/", include("goodwill.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
