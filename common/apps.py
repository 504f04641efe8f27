from importlib import import_module

from django.apps import AppConfig
from django.utils.module_loading import module_has_submodule


class DomainAppConfig(AppConfig):
    """An app made of domain packages, each with its own ``models`` module.

    Django imports only ``<app>.models``; this also imports ``<app>.<package>.models``
    for every package listed, so their models register under the app's label (and keep
    their tables and migrations) while the code lives with its domain
    (docs/decisions/0007-one-package-per-domain.md).
    """

    domain_packages: tuple[str, ...] = ()

    def import_models(self) -> None:
        super().import_models()
        for package in self.domain_packages:
            module = import_module(f"{self.name}.{package}")
            if module_has_submodule(module, "models"):
                imported = import_module(f"{self.name}.{package}.models")
                # post_migrate (content types, permissions) skips apps without one
                if self.models_module is None:
                    self.models_module = imported


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"
