"""Settings (behind the PIN): camera and microphone status and test, quality thresholds.

Changes apply to the running kiosk until it restarts; to keep them, put them in kiosk.toml
(the screen says so). Out-of-range values are refused by the config model itself.
"""
from __future__ import annotations

import pygame

from kiosk.ui import theme
from kiosk.ui.screens.base import Screen

KNOBS = (("vision", "min_interocular_px", "Eye distance min", 5.0, "px"),
         ("vision", "max_yaw_deg", "Head turn max", 1.0, "deg"),
         ("ui", "max_retries", "Retries", 1, ""),
         ("ui", "idle_timeout_s", "Idle timeout", 10.0, "s"),
         ("ui", "volume", "Volume", 10, "%"))


class SettingsScreen(Screen):
    name = "settings"

    def __init__(self, app) -> None:  # noqa: ANN001
        super().__init__(app)
        self.vision_changed = False
        self._mic_test = 0

    def enter(self, **kw) -> None:  # noqa: ANN003
        self.app.ensure_camera()
        self.app.camera.switch("rest")
        self.vision_changed = False

    def leave(self) -> None:
        if self.vision_changed and self.app.camera is not None:
            self.app.camera.stop()           # restarted with the new thresholds on next use
            self.app.analysis.stop()
            self.app.camera = self.app.analysis = None

    def change(self, section: str, key: str, delta: float) -> None:
        """Step one setting; the pydantic model refuses values out of range (shown, not applied)."""
        cfg = self.app.config
        sec = getattr(cfg, section)
        value = getattr(sec, key) + delta
        try:
            new_sec = type(sec).model_validate({**sec.model_dump(), key: value})
        except Exception:
            self.app.say(f"{key} cannot be {value}: out of the allowed range.")
            return
        cfg = cfg.model_copy(update={section: new_sec})
        self.app.config = self.app.services.config = cfg
        self.vision_changed |= section == "vision"
        if key == "volume":                  # heard at once, at the new level
            self.app.speaker.volume = cfg.ui.volume
            self.app.speaker.play("tone_start")

    def toggle_mesh(self) -> None:
        ui = self.app.config.ui
        self.change_ui(show_mesh=not ui.show_mesh)

    def change_ui(self, **kw) -> None:  # noqa: ANN003
        cfg = self.app.config
        cfg = cfg.model_copy(update={"ui": cfg.ui.model_copy(update=kw)})
        self.app.config = self.app.services.config = cfg

    def test_mic(self) -> None:
        self._mic_test -= 1
        self.app.audio.record(self._mic_test, "vowel", 3.0)

    def draw(self, p) -> None:  # noqa: ANN001
        m, cfg = self.m, self.app.config
        body = self.header(p, "Settings", self.app.home, "Close")
        col = pygame.Rect(body.x, body.y, int(body.w * 0.46), body.h)
        cam, ana = self.app.camera, self.app.analysis
        latest = ana.latest() if ana else None
        status = (cam.error if cam and cam.error and latest is None else
                  f"working ({cam.frames_read} frames)" if cam else "stopped")
        y = col.y
        replay = self.app.services.replay_dir
        cam_text = (f"replay folder {replay.name}" if replay else
                    f"{cfg.camera.source} {cfg.camera.device}, {cfg.camera.width}x{cfg.camera.height}")
        mic_text = (f"replay folder {replay.name}" if replay else
                    f"{cfg.audio.source} {cfg.audio.device_name or 'default'}, {cfg.audio.sample_rate_hz} Hz")
        for k, v in (("Camera", cam_text),
                     ("Camera status", status),
                     ("Face check", latest.analysis.quality.message if latest else "-"),
                     ("Microphone", mic_text)):
            p.text(k, (col.x, y), m.small, theme.MUTED)
            y = p.wrap(v, pygame.Rect(col.x, y + m.small + 2, col.w, m.small * 3), m.small, theme.FG, bold=True)
            y += m.px(4)
        p.text("Level", (col.x, y + m.px(4)), m.small, theme.MUTED)
        p.bar(pygame.Rect(col.x + m.px(70), y + m.px(4), col.w - m.px(70), m.px(28)),
              (self.app.audio.level_dbfs + 60) / 60, theme.INFO)
        p.button(pygame.Rect(col.x, y + m.px(40), col.w, m.button_h), "Test microphone (3 s)",
                 None if self.app.audio.recording else self.test_mic, key="test_mic")
        right = pygame.Rect(col.right + m.margin * 2, body.y, body.right - col.right - m.margin * 2,
                            body.h - m.small)
        rh = (right.h - m.margin) // (len(KNOBS) + 1)
        bw = max(56, m.px(56))
        for i, (section, key, label, step, unit) in enumerate(KNOBS):
            y = right.y + i * rh
            value = getattr(getattr(cfg, section), key)
            minus = pygame.Rect(right.right - 2 * bw - m.px(100), y, bw, min(rh - 6, m.button_h))
            room = minus.x - right.x - m.px(6)       # the label stays left of the "-" button
            px = next((s for s in range(m.small, 13, -1) if theme.font(s).size(label)[0] <= room), 14)
            p.text(label, (right.x, y + rh // 2), px, theme.FG, anchor="midleft")
            p.button(minus, "-",
                     lambda s=section, k=key, d=step: self.change(s, k, -d), key=f"{key}:-")
            p.text(f"{value:g} {unit}".strip(), (right.right - bw - m.px(50), y + rh // 2), m.small, theme.ACCENT,
                   bold=True, anchor="center")
            p.button(pygame.Rect(right.right - bw, y, bw, min(rh - 6, m.button_h)), "+",
                     lambda s=section, k=key, d=step: self.change(s, k, d), key=f"{key}:+")
        y = right.y + len(KNOBS) * rh
        p.button(pygame.Rect(right.x, y, right.w, min(rh, m.button_h)),
                 f"Mesh in patient preview: {'on' if cfg.ui.show_mesh else 'off'}", self.toggle_mesh, key="mesh")
        p.text("Changes last until restart; put them in kiosk.toml to keep them.", (body.x, m.height - 4),
               m.small - 2, theme.MUTED, anchor="bottomleft")
