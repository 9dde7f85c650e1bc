from django.urls import path

from goodwill.listening import views

app_name = "listening"

urlpatterns = [
    path("", views.message_list, name="messages"),
]
