from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from core.quick_headers import quick_headers_install

        quick_headers_install()
