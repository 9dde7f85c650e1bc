from django.apps import AppConfig


class ValueConfig(AppConfig):
    name = "goodwill.value"
    label = "value"
    default_auto_field = "django.db.models.BigAutoField"
