from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "goodwill.listening"
    label = "listening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the connectors and the "run due sources" job with goodwill.schedule.
        from goodwill.listening import sources  # noqa: F401
