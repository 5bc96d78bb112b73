"""Who may see what: a user's clinics, the admin role, and the audit trail."""
from __future__ import annotations

from django.http import Http404, HttpRequest

from clinic.web.models import AuditEvent, Membership


def user_clinic_names(request: HttpRequest) -> dict[str, str]:
    """Id -> name of the clinics whose patients the logged-in user may see (one query, cached per request)."""
    cached = getattr(request, "_clinics", None)
    if cached is None:
        cached = dict(sorted(Membership.objects.filter(user_id=request.user.pk)
                             .values_list("clinic_id", "clinic__name")))
        request._clinics = cached   # type: ignore[attr-defined]
    return cached


def user_clinics(request: HttpRequest) -> list[str]:
    """Ids of the clinics whose patients the logged-in user may see."""
    return list(user_clinic_names(request))


def require_admin(request: HttpRequest) -> None:
    """Admins manage users and devices; to anyone else those pages do not exist (404)."""
    if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
        raise Http404("not found")


def client_addr(request: HttpRequest) -> str:
    """The client's address; behind the local TLS proxy (``--secure``) the one nginx appended to X-Forwarded-For."""
    from django.conf import settings
    addr = str(request.META.get("REMOTE_ADDR") or "")
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    if settings.SECURE_PROXY_SSL_HEADER and addr in ("127.0.0.1", "::1") and forwarded:
        addr = forwarded.rsplit(",", 1)[-1].strip()
    return addr[:64]


def audit(request: HttpRequest, action: str, *, patient_ref: str = "", session_id: str = "", detail: str = "",
          username: str | None = None) -> None:
    """Append one audit event (committed with the request's autocommit)."""
    name = username if username is not None else getattr(request.user, "username", "")
    AuditEvent.objects.create(username=name[:150], action=action, patient_ref=patient_ref[:128],
                              session_id=session_id[:64], detail=detail[:300], remote_addr=client_addr(request))
