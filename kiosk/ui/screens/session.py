"""The guided session: the nurse's protocol choice, mirrored preview, big instruction with a
pictogram, countdown (the remaining time large on the long steps), quality prompts, microphone
level, nurse controls; then analysis and storage."""
from __future__ import annotations

import math

import pygame

from kiosk.protocol import ACTIVE_PHASES, SENTENCE
from kiosk.protocol.steps import PROTOCOL_LABELS, PROTOCOLS, StepSpec, step_spec
from kiosk.ui import theme
from kiosk.ui.pictograms import draw_pictogram
from kiosk.ui.screens.base import Screen, first_name
from kiosk.session.runner import SessionRunner

LONG_CAPTURE_S = 10.0      # capture windows at least this long show the remaining time large


def session_minutes(protocol: str) -> int:
    """About how long a protocol takes (min): twice its countdowns and capture windows, for the
    checks between steps and an occasional retry."""
    total = sum(step_spec(n).countdown_s + step_spec(n).capture_s for n in PROTOCOLS[protocol])
    return math.ceil(2 * total / 60)


def watches_face(spec: StepSpec) -> bool:
    """The step needs the face in view: face steps and the video steps that are not about the hands."""
    return spec.kind == "face" or ((spec.kind == "video" or spec.video) and spec.pictogram.hands == "none")


def capture_word(spec: StepSpec, quiet: bool) -> str:
    """What the patient reads while the window is open."""
    if spec.kind == "face":
        return "Hold it..."
    if spec.kind == "video":
        return "Keep still"
    if quiet:
        return "Quiet, please..."
    return "Keep talking" if spec.gate == "spontaneous" else "Go!"


class SessionScreen(Screen):
    name = "session"

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.runner: SessionRunner | None = None
        self.nurse_menu = False
        self.nurse_pin, self.nurse_ok, self.nurse_msg = "", False, ""
        self.error = ""
        self._finished = False
        self._toned = False
        self._last_phase = "idle"
        self.protocol = "palsy"            # the nurse's choice on the welcome screen

    def enter(self, **kw) -> None:  # noqa: ANN003
        self.app.ensure_camera()
        self.runner = SessionRunner(self.app.services, self.app.camera, self.app.analysis, self.app.audio,
                                    self.app.device_events, max_retries=self.app.config.ui.max_retries,
                                    lead_in_s=self.app.config.audio.lead_in_s)
        self.app.camera.switch("rest")
        self.nurse_menu, self.error, self._finished = False, "", False
        self._toned, self._last_phase = False, "idle"
        self.nurse_pin, self.nurse_ok, self.nurse_msg = "", False, ""
        self.protocol = "palsy"

    def clear(self) -> None:
        if self.runner is not None and self.runner.state.phase in ACTIVE_PHASES:
            self.runner.abort("idle timeout")
        if self.runner is not None:
            self.runner.discard()          # nothing captured outlives the session on screen
        self.runner, self.error = None, ""

    def keeps_awake(self) -> bool:
        r = self.runner
        return r is not None and (r.state.phase in ACTIVE_PHASES or (r.job is not None and not r.job.done))

    def start(self) -> None:
        self.runner.start(self.app.now_s, protocol=self.protocol)

    def choose_protocol(self, protocol: str) -> None:
        self.protocol = protocol

    def _finish(self) -> None:
        self.error = ""
        self._finished = True
        self.runner.finish(self.app.patient)

    def _cues(self, s) -> None:  # noqa: ANN001
        """Spoken prompt when a countdown starts, a soft tone just before the capture opens and one
        when it closes (kiosk.ui.sound); nothing plays while a speech recording is open."""
        from kiosk.ui.sound import TONE_LEAD_S
        sp, last = self.app.speaker, self._last_phase
        self._last_phase = s.phase
        if last == "capture" and s.phase != "capture":
            sp.play("tone_end")
        if s.phase == "instruct":
            if last != "instruct":
                sp.play(s.current.name)
                self._toned = False
            if s.seconds_left <= TONE_LEAD_S and not self._toned:
                if s.current.kind == "speech":
                    sp.stop()
                sp.play("tone_start")
                self._toned = True
        elif s.phase == "capture":
            if s.current.kind == "speech":
                sp.stop()
            elif not self._toned:            # a long frame skipped the lead: late, but heard
                sp.play("tone_start")
            self._toned = True

    def update(self, now_s: float) -> None:
        r = self.runner
        if r is None:
            return
        s = r.update(now_s)
        self._cues(s)
        if self.keeps_awake():
            self.app.last_input_s = now_s     # the idle timer counts from the end of the session
        if (s.phase == "done" and r.job is None and not self._finished
                and not any(o.status == "failed" for o in s.outcomes)):
            self._finish()
        if r.job is not None and r.job.done:
            job, r.job = r.job, None
            if job.error:
                self.error = f"The results could not be worked out or saved ({job.error}). Nothing stored was lost."
            else:
                self.app.result = job.result
                self.app.go("results")

    # -- drawing ------------------------------------------------------------------------------
    def draw(self, p) -> None:  # noqa: ANN001
        r = self.runner
        if r is None:
            return
        s = r.state
        if r.job is not None or self.error:
            self._draw_working(p)
        elif s.phase == "idle":
            self._draw_welcome(p)
        elif s.phase == "done":
            self._draw_review(p)
        elif s.phase == "aborted":
            self._draw_aborted(p)
        else:
            self._draw_step(p)
        if self.nurse_menu and s.phase in ACTIVE_PHASES:
            self._draw_nurse(p)

    def _split(self) -> tuple[pygame.Rect, pygame.Rect]:
        m = self.m
        pw = int(m.width * 0.42)
        left = pygame.Rect(m.margin, m.margin, pw, m.height - 2 * m.margin)
        right = pygame.Rect(left.right + m.margin, m.margin, m.width - pw - 3 * m.margin, m.height - 2 * m.margin)
        return left, right

    def _draw_welcome(self, p) -> None:  # noqa: ANN001
        m = self.m
        left, right = self._split()
        self.preview(p, left, self.app.analysis.latest() if self.app.analysis else None)
        name = first_name(self.app.patient.display_name) if self.app.patient else ""
        y = p.wrap(f"Hello{', ' + name if name else ''}!", right, m.title, theme.FG, bold=True)
        y = p.wrap(f"This takes about {session_minutes(self.protocol)} minutes. Copy the picture and follow "
                   "the words.", pygame.Rect(right.x, y + m.px(6), right.w, m.px(100)), m.text)
        p.wrap("Sit so that your face fits inside the oval.", pygame.Rect(right.x, y + m.px(4), right.w, m.px(70)),
               m.text, theme.ACCENT)
        bh = int(m.button_h * 1.3)
        # the nurse's choice, just above Start: facial palsy unless the nurse picks another protocol
        row = pygame.Rect(right.x, right.bottom - bh - m.margin - m.button_h, right.w, m.button_h)
        p.text("Nurse: protocol", (row.x, row.y - m.px(4)), m.small, theme.MUTED, anchor="bottomleft")
        w = (row.w - m.margin // 2) // len(PROTOCOLS)
        for i, key in enumerate(PROTOCOLS):
            chosen = key == self.protocol
            p.button(pygame.Rect(row.x + i * (w + m.margin // 2), row.y, w, row.h),
                     PROTOCOL_LABELS[key], lambda k=key: self.choose_protocol(k),
                     kind="primary" if chosen else "secondary", key=f"protocol:{key}", selected=chosen)
        cw = m.px(150)
        p.button(pygame.Rect(right.x, right.bottom - bh, cw, bh), "Cancel", self.app.home, key="session_cancel")
        p.button(pygame.Rect(right.x + cw + m.margin, right.bottom - bh, right.w - cw - m.margin, bh), "Start",
                 self.start, kind="primary", key="session_start", px=m.title)

    def _draw_step(self, p) -> None:  # noqa: ANN001
        m, s = self.m, self.runner.state
        spec = s.current
        left, right = self._split()
        latest = self.app.analysis.latest() if self.app.analysis else None
        if "camera" in s.missing_devices:     # never show a stale picture as if it were live
            pygame.draw.rect(p.surface, (0, 0, 0), left)
            p.wrap("No camera picture", left.inflate(-20, -40), m.text, theme.MUTED, align="center")
        else:
            self.preview(p, left, latest, mesh=self.app.config.ui.show_mesh)
        p.text(f"Step {s.step_number} of {s.total_steps}", (right.x, right.y), m.small, theme.MUTED)
        p.button(pygame.Rect(right.right - m.px(120), right.y, m.px(120), m.button_h), "Nurse",
                 self.open_nurse_menu, key="nurse")
        y = p.wrap(spec.title, pygame.Rect(right.x, right.y + m.small + 4, right.w - m.px(130), m.px(100)),
                   m.title, theme.FG, bold=True)
        if s.phase == "device_wait":      # the whole column for the message and the nurse's detail
            self._draw_status(p, pygame.Rect(right.x, y + m.px(8), right.w, right.bottom - y - m.px(8)), latest)
            return
        pic = m.px(130)
        draw_pictogram(p.surface, spec.pictogram, pygame.Rect(right.x, y + m.px(4), pic, pic))
        text_rect = pygame.Rect(right.x + pic + m.margin, y + m.px(4), right.w - pic - m.margin, pic + m.px(40))
        if spec.name == "sentence":
            p.wrap(SENTENCE, text_rect, m.title, theme.ACCENT, bold=True)
        else:
            p.wrap(spec.instruction, text_rect, m.text)
        status = pygame.Rect(right.x, right.bottom - m.px(150), right.w, m.px(150))
        self._draw_status(p, status, latest)

    def _draw_status(self, p, rect: pygame.Rect, latest) -> None:  # noqa: ANN001
        m, s = self.m, self.runner.state
        if s.phase in ("retry_wait", "device_wait", "paused"):
            p.panel(rect, (70, 55, 0), theme.ACCENT)
            msg = s.message or ""
            inner = rect.inflate(-2 * m.margin, -m.margin)
            y = p.fit(msg, pygame.Rect(inner.x, inner.y, inner.w, inner.h // 2 if s.phase != "paused" else inner.h),
                      m.title if len(msg) < 40 else m.text, theme.FG, bold=True)
            sub = {"retry_wait": "Let's try again.", "paused": ""}.get(
                s.phase, "Please ask the nurse for help.")
            p.fit(sub, pygame.Rect(rect.x + m.margin, y, rect.w - 2 * m.margin, rect.bottom - y), m.small,
                  theme.MUTED, min_px=12)
            return
        q = latest.analysis.quality if latest is not None else None
        box = None
        spec = s.current
        if (s.phase in ("instruct", "capture") and watches_face(spec) and q is not None and not q.ok
                and not (s.phase == "capture" and spec.kind == "speech")):     # the level bar is there then
            box = pygame.Rect(rect.x, rect.bottom - m.px(56), rect.w, m.px(56))
        if s.phase == "instruct":            # the countdown keeps clear of the face-check box
            top = pygame.Rect(rect.x, rect.y, rect.w, (box.y - m.px(4) if box else rect.bottom) - rect.y)
            p.text("Get ready", (rect.x, top.centery), m.title, theme.FG, anchor="midleft")
            p.text(f"{math.ceil(s.seconds_left)}", (rect.right - m.px(20), top.centery),
                   min(m.huge, int(top.h * 0.9)), theme.ACCENT, bold=True, anchor="midright")
        elif s.phase == "capture":
            left = s.seconds_left
            quiet = spec.kind == "speech" and spec.capture_s - left < self.app.config.audio.lead_in_s
            long = spec.capture_s >= LONG_CAPTURE_S
            p.text(capture_word(spec, quiet), (rect.x, rect.y + m.px(10)), m.title,
                   theme.MUTED if quiet else theme.GOOD, bold=True)
            if long:        # the remaining time, large: "20 s" of sitting still is long
                p.text(f"{math.ceil(left)} s", (rect.right, rect.y), m.px(64), theme.ACCENT, bold=True,
                       anchor="topright")
            else:
                p.text(f"{math.ceil(left)} s", (rect.right, rect.y + m.px(10)), m.title, theme.FG,
                       anchor="topright")
            p.bar(pygame.Rect(rect.x, rect.y + m.px(66), rect.w, m.px(24)), 1 - left / spec.capture_s, theme.GOOD)
            if spec.kind == "speech":
                level = (self.app.audio.level_dbfs + 60.0) / 60.0
                p.text("Microphone", (rect.x, rect.y + m.px(102)), m.small, theme.MUTED)
                p.bar(pygame.Rect(rect.x + m.px(150), rect.y + m.px(100), rect.w - m.px(150), m.px(36)), level,
                      theme.INFO)
        elif s.phase == "check":
            p.text("Checking...", (rect.x, rect.centery), m.title, theme.FG, anchor="midleft")
        if box is not None:
            p.panel(box, (70, 55, 0), theme.ACCENT)
            p.fit(q.message, box.inflate(-m.px(12), -m.px(6)), m.text, theme.FG, bold=True, align="center",
                  line_gap=1.0)

    def open_nurse_menu(self) -> None:
        self.nurse_menu, self.nurse_pin, self.nurse_ok, self.nurse_msg = True, "", False, ""
        self.runner.pause()

    def _draw_nurse(self, p) -> None:  # noqa: ANN001
        """Session held; Continue for anyone, Skip and Stop after the staff PIN."""
        from kiosk.ui.widgets import NumberPad
        m = self.m
        p.targets.clear()                        # modal: nothing underneath can be touched
        p.texts.clear()                          # ... or read: it lies under the shade
        shade = pygame.Surface((m.width, m.height), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 215))
        p.surface.blit(shade, (0, 0))
        box = pygame.Rect(m.margin, m.margin, m.width - 2 * m.margin, m.height - 2 * m.margin)
        p.panel(box, theme.PANEL, theme.PANEL_EDGE)
        half = box.w // 2
        p.text("Session paused", (box.x + m.margin, box.y + m.margin), m.title, bold=True)
        bw, bh = half - 2 * m.margin, m.button_h
        y = box.y + m.margin * 2 + m.title
        p.button(pygame.Rect(box.x + m.margin, y, bw, int(bh * 1.2)), "Continue", self._close_menu,
                 kind="primary", key="nurse:Continue")
        y += int(bh * 1.2) + m.margin
        for label, fn, kind in (("Skip this step", self._skip, "secondary"), ("Stop the session", self._stop,
                                                                              "danger")):
            p.button(pygame.Rect(box.x + m.margin, y, bw, bh), label, fn if self.nurse_ok else None, kind=kind,
                     key=f"nurse:{label}")
            y += bh + m.margin
        note = self.nurse_msg or ("Skip and Stop unlocked." if self.nurse_ok else "Staff PIN unlocks Skip and Stop.")
        detail = self.runner.device_detail.get(self.runner.state.current.device, "") \
            if self.runner.state.phase == "device_wait" or self.runner.state.missing_devices else ""
        note = f"{detail} {note}".strip()
        p.fit(note, pygame.Rect(box.x + m.margin, y, bw, box.bottom - y - m.margin), m.small,
              theme.BAD if self.nurse_msg else theme.MUTED, min_px=13, line_gap=1.0)
        pad = pygame.Rect(box.x + half + m.margin, box.y + m.margin * 2 + m.small, half - 2 * m.margin,
                          box.h - 3 * m.margin - m.small)
        p.text("PIN " + ("*" * len(self.nurse_pin) or "-"), (pad.x, box.y + m.margin), m.small, theme.ACCENT)
        refused = self.app.pin_gate.unavailable()
        if refused:
            self.nurse_msg = refused
        NumberPad(self._nurse_digit, lambda: setattr(self, "nurse_pin", self.nurse_pin[:-1]),
                  self._nurse_check if self.nurse_pin and not refused else None).draw(p, pad)

    def _nurse_digit(self, d: str) -> None:
        if len(self.nurse_pin) < 12:
            self.nurse_pin += d

    def _nurse_check(self) -> None:
        """The same throttle as the staff PIN screen: wrong PINs here count towards its lockout."""
        attempt = self.app.pin_gate.check(self.nurse_pin)
        self.nurse_ok = attempt.ok
        self.nurse_msg = attempt.message
        self.nurse_pin = ""

    def _close_menu(self) -> None:
        self.nurse_menu = False
        self.runner.resume()

    def _skip(self) -> None:
        self.nurse_menu = False
        self.runner.skip()

    def _stop(self) -> None:
        self.nurse_menu = False
        self.runner.abort()

    def _draw_review(self, p) -> None:  # noqa: ANN001
        m, s = self.m, self.runner.state
        body = self.header(p, "Some steps did not work")
        failed = [o for o in s.outcomes if o.status == "failed"]
        y = p.wrap("Nurse: repeat a step, or see the results without it.", body, m.text)
        for o in failed[:3]:
            row = pygame.Rect(body.x, y + m.px(6), body.w, m.button_h)
            p.text(f"{o.name.replace('_', ' ')}: {o.reason}", (row.x, row.centery), m.small, theme.BAD,
                   anchor="midleft")
            p.button(pygame.Rect(row.right - m.px(180), row.y, m.px(180), row.h), "Repeat",
                     lambda n=o.name: self.runner.repeat(n), key=f"repeat:{o.name}")
            y = row.bottom
        p.button(pygame.Rect(body.x, body.bottom - m.button_h, body.w, m.button_h), "See the results",
                 self._finish, kind="primary", key="see_results")

    def _draw_aborted(self, p) -> None:  # noqa: ANN001
        m = self.m
        body = self.header(p, "Session stopped")
        reason = self.runner.state.abort_reason or ""
        p.wrap(f"The session was stopped ({reason}). Nothing from it was saved; earlier sessions are kept.",
               body, m.text)
        p.button(pygame.Rect(body.x, body.bottom - m.button_h, body.w, m.button_h), "Back to start",
                 self.app.home, kind="primary", key="aborted_home")

    def _draw_working(self, p) -> None:  # noqa: ANN001
        m = self.m
        if self.error:
            body = self.header(p, "Something went wrong")
            p.wrap(self.error, body, m.text, theme.BAD)
            half = (body.w - m.margin) // 2
            p.button(pygame.Rect(body.x, body.bottom - m.button_h, half, m.button_h), "Try again", self._finish,
                     kind="primary", key="retry_finish")
            p.button(pygame.Rect(body.x + half + m.margin, body.bottom - m.button_h, half, m.button_h),
                     "Back to start", self.app.home, key="error_home")
            return
        p.text("Well done!", (m.width // 2, m.height // 3), m.title, theme.FG, bold=True, anchor="center")
        p.text("Working out your results...", (m.width // 2, m.height // 3 + m.px(60)), m.text, anchor="center")
        t = self.app.now_s
        for i in range(8):
            a = t * 4 + i * math.pi / 4
            c = (m.width // 2 + int(m.px(40) * math.cos(a)), int(m.height * 0.68) + int(m.px(40) * math.sin(a)))
            pygame.draw.circle(p.surface, theme.ACCENT if i == 0 else theme.PANEL_EDGE, c, m.px(8))
