from django.urls import path

from goodwill.hooks import views

app_name = "hooks"

urlpatterns = [
    path("graph/<int:source_id>/", views.graph, name="graph"),
    path("inbound/<int:source_id>/", views.inbound, name="inbound"),
]
