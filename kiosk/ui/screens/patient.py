"""Patient search and registration with the on-screen keyboard (nurse, after the PIN)."""
from __future__ import annotations

from datetime import date

import pygame

from kiosk.ui import theme
from kiosk.ui.screens.base import Screen
from kiosk.ui.widgets import Keyboard, TextField

CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"


class PatientScreen(Screen):
    name = "patient"

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.next = "session"
        self.clear()

    def clear(self) -> None:
        self.mode = "search"
        self.query = TextField("Patient code or name")
        self.fields = [TextField("Clinic code", allowed=CODE_CHARS, max_len=16),
                       TextField("Name (optional)", max_len=24),
                       TextField("Birth year (optional)", allowed="0123456789", max_len=4)]
        self.focus = 0
        self.message = ""
        self.matches: list = []
        self.flags: dict = {}                 # patient id -> DeclineFlag of the latest session, or None
        self._searched: str | None = None

    def enter(self, next: str = "session", **kw) -> None:  # noqa: A002, ANN003
        self.clear()
        self.next = next

    # -- actions ------------------------------------------------------------------------------
    def _field(self) -> TextField:
        return self.query if self.mode == "search" else self.fields[self.focus]

    def _type(self, ch: str) -> None:
        self._field().type(ch)

    def _back(self) -> None:
        self._field().backspace()

    def _search(self) -> None:
        text = self.query.value
        if text == self._searched:
            return
        self._searched = text
        try:
            self.matches = self.app.services.search_patients(text) if text.strip() else []
            self.message = ""
            self.flags = {pt.id: self._flag(pt) for pt in self.matches[:3]}
        except Exception as e:   # StoreError: a clear message, the kiosk stays usable
            self.matches, self.message = [], f"The patient list cannot be read: {e}"

    def _flag(self, patient):  # noqa: ANN001, ANN202
        """The decline flag of the patient's latest session (kiosk.analytics.feedback), or None."""
        from kiosk.analytics import face_feedback, history
        return face_feedback(history(self.app.services.sessions_for(patient.id)).points).flag

    def choose(self, patient) -> None:  # noqa: ANN001
        self.app.patient = patient
        self.app.go(self.next)

    def _register(self) -> None:
        code, name, year = (f.value.strip() for f in self.fields)
        if len(code) < 3:
            self.message = "The clinic code needs at least 3 characters."
            return
        birth = None
        if year:
            birth = int(year)
            if not 1900 <= birth <= date.today().year:
                self.message = f"Birth year must be between 1900 and {date.today().year}."
                return
        try:
            if self.app.services.store().find_patient(code) is not None:
                self.message = f"A patient with code {code} already exists: use Find."
                return
            patient = self.app.services.add_patient(code, name, birth)
        except Exception as e:
            self.message = f"Could not save the patient: {e}"
            return
        self.choose(patient)

    def on_key(self, ev) -> None:  # noqa: ANN001
        if ev.key == pygame.K_BACKSPACE:
            self._back()
        elif ev.unicode and ev.unicode.isprintable():
            self._type(ev.unicode.upper() if self.mode == "register" and self.focus == 0 else ev.unicode)

    # -- drawing ------------------------------------------------------------------------------
    def draw(self, p) -> None:  # noqa: ANN001
        m = self.m
        title = "Find the patient" if self.mode == "search" else "New patient"
        body = self.header(p, "" if self.message else title,
                           self.app.home if self.mode == "search" else self._to_search,
                           "Cancel" if self.mode == "search" else "Back")
        bw = m.px(220)
        top = pygame.Rect(m.width - m.margin - bw, m.margin, bw, m.button_h)
        if self.mode == "search":
            p.button(top, "New patient", self._to_register, key="new_patient")
        else:
            p.button(top, "Save", self._register, kind="primary", key="save_patient")
        if self.message:   # in the title row: the keyboard leaves no other room at 800x480
            x = m.margin * 2 + m.px(130)
            p.wrap(self.message, pygame.Rect(x, m.margin, top.x - x - m.margin, m.button_h), m.small, theme.BAD,
                   bold=True, line_gap=1.0)
        row_h = m.button_h + m.small + 6
        row = pygame.Rect(body.x, body.y, body.w, row_h)
        kb_h = max(5 * 48 + 4 * 5, m.px(250))
        kb = pygame.Rect(body.x, m.height - m.margin - kb_h, body.w, kb_h)
        (self._draw_search if self.mode == "search" else self._draw_register)(p, row)
        Keyboard(self._type, self._back).draw(p, kb)

    def _to_register(self) -> None:
        self.mode, self.message, self.focus = "register", "", 0
        if self.query.value.strip():
            self.fields[0].value = "".join(c for c in self.query.value.upper() if c in CODE_CHARS)

    def _to_search(self) -> None:
        self.mode, self.message = "search", ""

    def _draw_search(self, p, row: pygame.Rect) -> None:  # noqa: ANN001
        m = self.m
        self._search()
        fw = int(row.w * 0.38)
        self.query.draw(p, pygame.Rect(row.x, row.y, fw, row.h), focused=True, on_focus=lambda: None)
        x = row.x + fw + m.margin
        y = row.y + m.small + 6
        if not self.matches:
            hint = "Type part of the code or name." if not self.query.value.strip() else "No patient found."
            p.wrap(hint, pygame.Rect(x, y, row.right - x, m.button_h), m.text, theme.MUTED)
            return
        n = min(len(self.matches), 3)
        w = (row.right - x - (n - 1) * m.margin // 2) // n
        for i, pt in enumerate(self.matches[:n]):
            label = pt.code + (f" {pt.display_name.title()}" if pt.display_name else "") + (
                f" ({pt.birth_year})" if pt.birth_year else "")      # two people with one name told apart
            flagged = self.flags.get(pt.id) is not None
            r = pygame.Rect(x + i * (w + m.margin // 2), y, w, m.button_h)
            p.button(r, label, lambda pt=pt: self.choose(pt), kind="danger" if flagged else "primary",
                     key=f"patient:{pt.code}", px=m.small)
        flagged = [(pt, self.flags[pt.id]) for pt in self.matches[:n] if self.flags.get(pt.id) is not None]
        if flagged:
            pt, flag = flagged[0]
            p.fit(f"Red = score dropped. {pt.code}: {flag.drop_points:.0f} points below the session of "
                  f"{flag.reference_at.astimezone():%d %b %Y}.",
                  pygame.Rect(x, row.y, row.right - x, m.small + 4), m.small - 4, theme.BAD, bold=True, min_px=12)

    def _draw_register(self, p, row: pygame.Rect) -> None:  # noqa: ANN001
        m = self.m
        widths = (0.32, 0.4, 0.28)
        x = row.x
        for i, (f, frac) in enumerate(zip(self.fields, widths)):
            w = int(row.w * frac) - m.margin // 2
            f.draw(p, pygame.Rect(x, row.y, w, row.h), focused=i == self.focus,
                   on_focus=lambda i=i: setattr(self, "focus", i))
            x += w + m.margin // 2
