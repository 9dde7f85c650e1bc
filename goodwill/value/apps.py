from django.apps import AppConfig


class ValueConfig(AppConfig):
    name = "goodwill.value"
    label = "value"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the nightly and incremental scoring jobs with goodwill.schedule.
        from goodwill.value import tasks  # noqa: F401
