from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the notice settings checks
