from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "aftercare"
    verbose_name = "Aftercare"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .notifications import register_kinds

        register_kinds()
