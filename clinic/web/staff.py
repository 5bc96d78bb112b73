"""Admin pages (``is_staff`` users; 404 for everyone else): users, clinics, device assignment, audit log.

Every change is a POST behind Django's CSRF check and is written to the audit log.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clinic.web import queries
from clinic.web.access import audit, require_admin, user_clinics
from clinic.web.ids import CLINIC_ID_RE, DEFAULT_CLINIC, DEVICE_ID_RE
from clinic.web.models import AuditEvent, Clinic, Device, Membership
from clinic.web.queries import as_datetime

User = get_user_model()


def create_user(username: str, password: str, *, admin: bool, clinics: list[str]) -> None:
    """Create a user in ``clinics`` (created when missing); ValueError with a one-line reason."""
    if not re.fullmatch(r"[A-Za-z0-9_.@+-]{1,150}", username or ""):
        raise ValueError("user name: 1-150 letters, digits or _ . @ + -")
    if User.objects.filter(username=username).exists():
        raise ValueError(f"user {username} already exists")
    user = User(username=username, is_staff=admin)
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise ValueError("password: " + " ".join(e.messages)) from None
    for c in clinics:
        if not re.fullmatch(CLINIC_ID_RE, c):
            raise ValueError(f"clinic id {c!r}: 1-64 letters, digits, _ or -")
    with transaction.atomic():
        user.set_password(password)
        user.save()
        for c in clinics:
            clinic, _ = Clinic.objects.get_or_create(id=c, defaults={"name": c})
            Membership.objects.get_or_create(user=user, clinic=clinic)


def assign_device(device_id: str, clinic_id: str, label: str = "") -> None:
    """Map a kiosk to a clinic (created when missing); ValueError with a one-line reason."""
    if not re.fullmatch(DEVICE_ID_RE, device_id or ""):
        raise ValueError("device id: 1-64 letters, digits, _ or -")
    if not re.fullmatch(CLINIC_ID_RE, clinic_id or ""):
        raise ValueError("clinic id: 1-64 letters, digits, _ or -")
    with transaction.atomic():
        clinic, _ = Clinic.objects.get_or_create(id=clinic_id, defaults={"name": clinic_id})
        Device.objects.update_or_create(device_id=device_id, defaults={"clinic": clinic, "label": label[:200]})


@require_GET
def users_page(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    users = User.objects.order_by("username").prefetch_related("memberships")
    rows = [{"u": u, "clinics": sorted(m.clinic_id for m in u.memberships.all())} for u in users]
    return render(request, "web/users.html", {"rows": rows, "clinics": Clinic.objects.order_by("id"),
                                              "msg": request.GET.get("msg", "")[:200], "nav": "users"})


@require_POST
def users_action(request: HttpRequest) -> HttpResponse:
    """create / activate / deactivate / set_clinics / set_password / add_clinic."""
    require_admin(request)
    action = request.POST.get("action", "")
    name = (request.POST.get("username") or "").strip()
    try:
        if action == "create":
            create_user(name, request.POST.get("password") or "", admin=request.POST.get("role") == "admin",
                        clinics=request.POST.getlist("clinics"))
            msg = f"user {name} created"
        elif action == "add_clinic":
            cid = (request.POST.get("clinic_id") or "").strip()
            if not re.fullmatch(CLINIC_ID_RE, cid):
                raise ValueError("clinic id: 1-64 letters, digits, _ or -")
            Clinic.objects.update_or_create(id=cid, defaults={"name": (request.POST.get("clinic_name") or cid)[:200]})
            name, msg = "", f"clinic {cid} saved"
        else:
            user = User.objects.filter(username=name).first()
            if user is None:
                raise ValueError(f"no user {name}")
            if action in ("activate", "deactivate"):
                if user.pk == request.user.pk:
                    raise ValueError("you cannot deactivate yourself")
                user.is_active = action == "activate"
                user.save(update_fields=["is_active"])
            elif action == "set_clinics":
                wanted = set(request.POST.getlist("clinics"))
                with transaction.atomic():
                    Membership.objects.filter(user=user).exclude(clinic_id__in=wanted).delete()
                    for c in Clinic.objects.filter(id__in=wanted):
                        Membership.objects.get_or_create(user=user, clinic=c)
            elif action == "set_password":
                pw = request.POST.get("password") or ""
                try:
                    validate_password(pw, user)
                except ValidationError as e:
                    raise ValueError("password: " + " ".join(e.messages)) from None
                user.set_password(pw)
                user.save(update_fields=["password"])
            else:
                raise ValueError("unknown action")
            msg = f"{action.replace('_', ' ')}: {name} done"
        audit(request, "admin_" + action, detail=f"user={name}"[:300])
    except ValueError as e:
        msg = f"not done: {e}"
    from urllib.parse import urlencode
    return redirect("/users/?" + urlencode({"msg": msg}))


@require_GET
def devices_page(request: HttpRequest) -> HttpResponse:
    """Each visible kiosk: clinic, last contact, delivery delay, software and model versions."""
    import json
    admin = request.user.is_staff
    clinics = user_clinics(request)
    if admin:        # admins see every device, to assign new kiosks
        clinics = sorted(set(Clinic.objects.values_list("id", flat=True)) | {DEFAULT_CLINIC})
    rows = queries.devices(clinics) if clinics else []
    now = datetime.now(timezone.utc)
    known = {d.device_id: d for d in Device.objects.filter(clinic_id__in=clinics)}
    out = []
    for r in rows:
        latest = r.get("latest") or {}
        payload = json.loads(latest["payload"]) if latest.get("payload") else {}
        last = as_datetime(r["last_contact"])
        received, finished = as_datetime(latest.get("received_at")), as_datetime(latest.get("finished_at"))
        out.append({"device_id": r["device_id"], "clinic_id": r["clinic_id"], "sessions": r["sessions"],
                    "patients": r["patients"], "last_contact": last,
                    "silent_days": (now - last).total_seconds() / 86400 if last else None,
                    "delay_h": (received - finished).total_seconds() / 3600 if received and finished else None,
                    "app_version": latest.get("app_version") or "–",
                    "models": sorted((payload.get("model_versions") or {}).items()),
                    "label": known[r["device_id"]].label if r["device_id"] in known else "",
                    "assigned": r["device_id"] in known})
    seen = {r["device_id"] for r in out}
    waiting = [d for d in known.values() if d.device_id not in seen]
    return render(request, "web/devices.html", {"rows": out, "waiting": waiting, "admin": admin,
                                                "clinics": Clinic.objects.order_by("id"),
                                                "msg": request.GET.get("msg", "")[:200], "nav": "devices"})


@require_POST
def devices_assign(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    device_id = (request.POST.get("device_id") or "").strip()
    clinic_id = (request.POST.get("clinic_id") or "").strip()
    try:
        assign_device(device_id, clinic_id, request.POST.get("label") or "")
        audit(request, "admin_assign_device", detail=f"device={device_id} clinic={clinic_id}")
        msg = f"{device_id} now belongs to {clinic_id}"
    except ValueError as e:
        msg = f"not done: {e}"
    from urllib.parse import urlencode
    return redirect("/devices/?" + urlencode({"msg": msg}))


@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    """The latest 500 audit events, optionally for one patient or one user."""
    require_admin(request)
    events = AuditEvent.objects.order_by("-at", "-id")
    ref, who = request.GET.get("ref", "").strip(), request.GET.get("user", "").strip()
    if ref:
        events = events.filter(patient_ref=ref)
    if who:
        events = events.filter(username=who)
    return render(request, "web/audit.html", {"events": events[:500], "ref": ref, "who": who, "nav": "audit"})
