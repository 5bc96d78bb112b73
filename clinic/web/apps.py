"""Django app registration for the clinic dashboard (tables prefixed ``web_``)."""
from __future__ import annotations

from django.apps import AppConfig


class ClinicWebConfig(AppConfig):
    name = "clinic.web"
    label = "clinicweb"
    verbose_name = "Clinic dashboard"
    default_auto_field = "django.db.models.BigAutoField"
