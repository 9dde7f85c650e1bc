from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "goodwill.insights"
    label = "insights"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from goodwill.insights import tasks  # noqa: F401  (registers the periodic scan)
