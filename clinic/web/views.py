"""Pages: login/logout, patient list, patient page and its downloads, static CSS.

Every patient view resolves the patient inside the user's clinics; a patient with no
visible session is a 404, the same answer as a patient that does not exist.
"""
from __future__ import annotations

import math
from urllib.parse import quote
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiosk.reports.layout import fmt
from kiosk.scoring.grades import hb_roman

from clinic.web import queries, throttle
from clinic.web.access import audit, user_clinic_names, user_clinics
from clinic.web.charts import ChartPoint, line_chart
from clinic.web.exports import csv_lines, fhir_json
from clinic.web.history import flags, patient_history, stored_sessions, trend_arrow
from clinic.web.parkinson import TREND_KEYS, parkinson_detail, trend_charts
from clinic.web.sessionview import session_detail, session_rows

STATIC = Path(__file__).resolve().parent / "static" / "web"


@login_not_required
@require_GET
def static_file(request: HttpRequest, name: str) -> FileResponse:
    """The dashboard's own CSS (no CDN, no fonts fetched)."""
    path = STATIC / name
    if name not in {p.name for p in STATIC.iterdir()}:
        raise Http404("not found")
    resp = FileResponse(path.open("rb"), content_type="text/css" if name.endswith(".css") else None)
    resp["Cache-Control"] = "max-age=3600"
    return resp


@login_not_required
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Username + password; wrong passwords earn a growing lockout (clinic.web.throttle)."""
    nxt = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        nxt = "/"
    error = ""
    username = ""
    if request.method == "POST":
        username = (request.POST.get("username") or "").strip()[:150]
        password = request.POST.get("password") or ""
        wait = throttle.locked_for(username) if username else 0.0
        if wait > 0:
            error = f"Too many wrong passwords for this user: try again in {math.ceil(wait / 60)} min."
            audit(request, "login_locked", username=username)
        else:
            user = authenticate(request, username=username, password=password) if username and password else None
            if user is not None:
                throttle.record_success(username)
                login(request, user)
                audit(request, "login")
                return redirect(nxt)
            lock = throttle.record_failure(username) if username else 0.0
            audit(request, "login_failed", username=username)
            error = "Wrong user name or password."
            if lock:
                error += f" Locked for {math.ceil(lock / 60)} min."
    status = 200 if not error else 401
    return render(request, "web/login.html", {"error": error, "next": nxt, "username": username}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    audit(request, "logout")
    logout(request)
    return redirect("/login/")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "web/message.html", {"title": "Form expired",
                                                "text": "The form was stale or came from elsewhere (CSRF check). "
                                                        "Go back, reload the page and try again."}, status=403)


def _int(v: Any, default: int) -> int:
    try:
        return max(1, int(v))
    except (TypeError, ValueError):
        return default


@require_GET
def patient_list(request: HttpRequest) -> HttpResponse:
    """Search, last visit, latest composite with trend arrow, and flags."""
    clinics = user_clinics(request)
    q = (request.GET.get("q") or "").strip()[:128]
    page = _int(request.GET.get("page"), 1)
    pd_only = request.GET.get("protocol") == "parkinson"
    rows, total = queries.patient_page(clinics, q, page, parkinson_only=pd_only) if clinics else ([], 0)
    contact = queries.device_last_contact(clinics, sorted({r.last_device for r in rows})) if rows else {}
    now = datetime.now(timezone.utc)
    items = []
    for r in rows:
        arrow, delta, words = trend_arrow(r.latest_composite, r.previous_composite)
        items.append({"row": r, "arrow": arrow, "delta": delta, "trend": words, "hb": hb_roman(r.latest_hb) if r.latest_hb else "–",
                      "composite": fmt(r.latest_composite, 0), "clarity": fmt(r.latest_clarity, 0),
                      "last": r.last_at.strftime("%Y-%m-%d"), "link": quote(r.patient_ref),
                      # the slow-recovery rule is about a palsy: not for a patient seen only for Parkinson's
                      "flags": flags(latest=r.latest_composite, previous=r.previous_composite,
                                     first=None if r.parkinson_sessions == r.sessions else r.first_composite,
                                     first_at=r.first_at, last_at=r.last_at,
                                     device_last_contact=contact.get(r.last_device), now=now)})
    pages = max(1, math.ceil(total / queries.PAGE_SIZE))
    return render(request, "web/patients.html", {
        "items": items, "q": q, "page": page, "pages": pages, "total": total, "pd_only": pd_only,
        "prev_page": page - 1 if page > 1 else None, "next_page": page + 1 if page < pages else None,
        "clinics": list(user_clinic_names(request).values()), "nav": "patients"})


def _visible_sessions(request: HttpRequest, ref: str) -> list:
    clinics = user_clinics(request)
    if not ref or not clinics:
        raise Http404("not found")
    sessions = stored_sessions(queries.patient_sessions(clinics, ref))
    if not sessions:
        raise Http404("not found")
    return sessions


def _charts(history: Any) -> list[str]:
    weeks = history.weeks

    def pts(attr: str) -> list[ChartPoint]:
        return [ChartPoint(w.week_index, v, w.week_start.strftime("%d %b %y")) for w in weeks
                if (v := getattr(w, attr)) is not None]
    return [mark_safe(line_chart(pts("composite"), title="Sunnybrook-style composite", unit="points",
                                 y_range=(0, 100), css="c1", ref=(70, "70: recovery threshold (Marsk 2012)"))),
            mark_safe(line_chart(pts("clarity"), title="Speech Clarity Score", unit="points",
                                 y_range=(0, 100), css="c2")),
            mark_safe(line_chart(pts("asymmetry_pct"), title="Side asymmetry", unit="%",
                                 y_range=(0, 100), css="c3", better="lower"))]


def _parkinson_charts(request: HttpRequest, ref: str, sessions: list) -> list[str]:
    """Trend charts of the key Parkinson's measures, when the patient has Parkinson's-protocol sessions."""
    pd_sessions = [s for s in sessions if s.summary.get("protocol") == "parkinson"]
    if not pd_sessions:
        return []
    rows = queries.parkinson_trend(user_clinics(request), ref, [k.key for k in TREND_KEYS])
    latest = {m["key"]: m.get("reference") for s in pd_sessions
              for m in (s.summary.get("parkinson") or {}).get("measures") or ()}
    return [mark_safe(c) for c in trend_charts(rows, {k: v for k, v in latest.items() if v},
                                              pd_sessions[0].started_at)]


@require_GET
def patient_page(request: HttpRequest) -> HttpResponse:
    """Charts per week, the session table and the chosen session's grids (default: the latest), with the
    Parkinson's screening section and trends when the patient has Parkinson's-protocol sessions."""
    ref = request.GET.get("ref") or ""
    sessions = _visible_sessions(request, ref)
    chosen = _pick(sessions, request) or sessions[-1]
    hist = patient_history(sessions)
    audit(request, "view", patient_ref=ref, session_id=chosen.id)
    return render(request, "web/patient.html", {
        "pd": parkinson_detail(chosen.summary), "pd_charts": _parkinson_charts(request, ref, sessions),
        "ref": ref, "sessions": session_rows(sessions, hist), "chosen": session_detail(chosen),
        "chosen_id": chosen.id, "chosen_device": chosen.device_id, "charts": _charts(hist), "improvement": hist.improvement,
        "n": len(sessions), "first": sessions[0].started_at, "last": sessions[-1].started_at, "nav": "patients"})


def _chosen(request: HttpRequest) -> tuple[str, list, Any]:
    ref = request.GET.get("ref") or ""
    sessions = _visible_sessions(request, ref)
    chosen = _pick(sessions, request) if request.GET.get("session") else sessions[-1]
    if chosen is None:
        raise Http404("not found")
    return ref, sessions, chosen


def _pick(sessions: list, request: HttpRequest) -> Any:
    """The session named by ``?session=`` (and ``&device=``: summaries are keyed by device and session id)."""
    sid, dev = request.GET.get("session"), request.GET.get("device")
    return next((s for s in reversed(sessions) if s.id == sid and (dev is None or s.device_id == dev)), None)


def _clinic_name(request: HttpRequest) -> str:
    return ", ".join(user_clinic_names(request).values()) or "clinic"


def _filename(*parts: str) -> str:
    return "-".join("".join(c if c.isalnum() or c in "-_" else "_" for c in p)[:64] for p in parts)


@require_GET
def patient_pdf(request: HttpRequest) -> HttpResponse:
    from clinic.web.pdf import clinician_pdf
    ref, sessions, chosen = _chosen(request)
    pdf = clinician_pdf(sessions, chosen, _clinic_name(request))
    audit(request, "export_pdf", patient_ref=ref, session_id=chosen.id)
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="{_filename(ref, chosen.started_at.strftime("%Y-%m-%d"), "clinician")}.pdf"'
    return resp


@require_GET
def patient_fhir(request: HttpRequest) -> HttpResponse:
    """FHIR R4 transaction Bundle of one session, with its clinician PDF in DiagnosticReport.presentedForm."""
    from clinic.web.pdf import clinician_pdf
    ref, sessions, chosen = _chosen(request)
    text = fhir_json(chosen.raw, clinician_pdf(sessions, chosen, _clinic_name(request)))
    audit(request, "export_fhir", patient_ref=ref, session_id=chosen.id)
    resp = HttpResponse(text, content_type="application/fhir+json")
    resp["Content-Disposition"] = f'attachment; filename="{_filename(ref, chosen.id)}.fhir.json"'
    return resp


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """CSV for a study: one patient's sessions (``?ref=``) or every visible session."""
    clinics = user_clinics(request)
    ref = request.GET.get("ref")
    if ref is not None:
        _visible_sessions(request, ref)
    if not clinics:
        raise Http404("not found")
    audit(request, "export_csv", patient_ref=ref or "", detail="one patient" if ref else "all visible sessions")
    resp = StreamingHttpResponse(csv_lines(queries.export_rows(clinics, ref)), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{_filename(ref or "all-patients", "sessions")}.csv"'
    return resp


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "web/message.html", {"title": "Not found", "text": "There is nothing here for you."},
                  status=404)

