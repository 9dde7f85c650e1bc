from django.apps import AppConfig


class HooksConfig(AppConfig):
    name = "goodwill.hooks"
    label = "hooks"
    verbose_name = "Inbound webhooks"
    default_auto_field = "django.db.models.BigAutoField"
