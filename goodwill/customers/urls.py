from django.urls import path

from goodwill.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("merges/<int:merge_id>/undo/", views.merge_undo, name="merge_undo"),
    path("review/", views.review_queue, name="review"),
    path("review/<int:suggestion_id>/<str:action>/", views.review_decide, name="review_decide"),
]
