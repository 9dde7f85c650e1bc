from django.urls import path

from goodwill.listening import views

app_name = "listening"

urlpatterns = [
    path("", views.message_list, name="messages"),
    path("<int:message_id>/", views.message_detail, name="detail"),
    path("<int:message_id>/correct", views.correct_message, name="correct"),
]
