"""URL map of the dashboard. Patient references travel as ``?ref=`` (any text, no path escaping issues)."""
from django.urls import path

from clinic.web import staff, views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("static/<str:name>", views.static_file, name="static"),
    path("", views.patient_list, name="patients"),
    path("patient/", views.patient_page, name="patient"),
    path("patient/clinician.pdf", views.patient_pdf, name="patient_pdf"),
    path("patient/fhir.json", views.patient_fhir, name="patient_fhir"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("devices/", staff.devices_page, name="devices"),
    path("devices/assign", staff.devices_assign, name="devices_assign"),
    path("users/", staff.users_page, name="users"),
    path("users/action", staff.users_action, name="users_action"),
    path("audit/", staff.audit_page, name="audit"),
]

handler404 = "clinic.web.views.not_found"
