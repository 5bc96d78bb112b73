"""The dashboard's own tables (prefix ``web_``), beside the receiver's ``session_summaries``.

Users are Django's ``auth_user`` (argon2 hashes); ``is_staff`` is the admin role.
A device that no admin has assigned belongs to :data:`DEFAULT_CLINIC` (the single-clinic
case: ``kiosk demo`` and a clinic with one kiosk work without provisioning clinics).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

from clinic.web.ids import CLINIC_ID_RE, DEFAULT_CLINIC  # noqa: F401 (re-exported)


class Clinic(models.Model):
    """One clinic (site); users see the patients of the devices of their clinics."""

    id = models.CharField(primary_key=True, max_length=64)
    name = models.CharField(max_length=200)

    class Meta:
        db_table = "web_clinic"

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """User <-> clinic: which clinics' patients a user may see."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        db_table = "web_membership"
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="web_membership_unique")]


class Device(models.Model):
    """A kiosk and the clinic it belongs to (written by ``clinic-web add-device`` or the devices page)."""

    device_id = models.CharField(primary_key=True, max_length=64)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="devices")
    label = models.CharField(max_length=200, blank=True, default="")
    assigned_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "web_device"
        indexes = [models.Index(fields=["clinic"], name="web_device_clinic")]


class AuditEvent(models.Model):
    """Who did what, when: views and exports of a patient, logins, admin changes. Append only."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    username = models.CharField(max_length=150)      # kept even if the user is deleted later
    action = models.CharField(max_length=32)
    patient_ref = models.CharField(max_length=128, blank=True, default="")
    session_id = models.CharField(max_length=64, blank=True, default="")
    detail = models.CharField(max_length=300, blank=True, default="")
    remote_addr = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "web_audit"
        indexes = [models.Index(fields=["patient_ref", "at"], name="web_audit_patient")]


class LoginThrottle(models.Model):
    """Failed logins per submitted user name and the lockout they earned (clinic.web.throttle)."""

    key = models.CharField(primary_key=True, max_length=160)
    failures = models.IntegerField(default=0)
    locked_until = models.DateTimeField(null=True)
    last_failure = models.DateTimeField(null=True)

    class Meta:
        db_table = "web_login_throttle"


class SiteSecret(models.Model):
    """The signing key shared by every worker (created once at the first start)."""

    name = models.CharField(primary_key=True, max_length=32)
    value = models.CharField(max_length=200)

    class Meta:
        db_table = "web_secret"
