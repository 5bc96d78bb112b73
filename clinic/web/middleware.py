"""Response headers Django 5.2 does not set itself: the Content-Security-Policy.

No inline script or style is allowed anywhere (the pages use none: charts are inline SVG
with presentation attributes, styles come from /static/web.css), no framing
(``frame-ancestors 'none'`` besides Django's ``X-Frame-Options: DENY``), forms post only
to this origin, and nothing is fetched from elsewhere (the server is offline anyway).
"""
from __future__ import annotations

from typing import Callable

from django.http import HttpRequest, HttpResponse

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


class ContentSecurityPolicy:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cache-Control", "no-store")       # patient data must not stay in shared caches
        return response
