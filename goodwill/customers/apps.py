from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "goodwill.customers"
    label = "customers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the identity-resolution job with goodwill.schedule.
        from goodwill.customers import tasks  # noqa: F401
