"""Attract/idle screen: what the kiosk is, and the nurse's way in."""
from __future__ import annotations

import math

import pygame

from kiosk.ui import theme
from kiosk.ui.pictograms import draw_emoji
from kiosk.ui.screens.base import Screen


class AttractScreen(Screen):
    name = "attract"

    def draw(self, p) -> None:  # noqa: ANN001
        m = self.m
        pulse = 0.5 + 0.5 * math.sin(self.app.now_s * 2.0)
        size = m.px(150)
        face = pygame.Rect(m.margin * 2, m.px(60), size, size)
        draw_emoji(p.surface, 0, face)
        x = face.right + m.margin * 2
        col = pygame.Rect(x, m.px(50), m.width - x - m.margin * 2, m.px(230))
        y = p.wrap("Face and speech check", col, m.title, theme.FG, bold=True)
        y = p.wrap("A 4-minute guided check of face movement and speech, to help your care team follow "
                   "your recovery.", pygame.Rect(col.x, y + m.px(6), col.w, m.px(110)), m.text, theme.FG)
        p.wrap("Please ask the nurse to start your session.", pygame.Rect(col.x, y + m.px(8), col.w, m.px(70)),
               m.text, theme.ACCENT, bold=True)
        bh = m.button_h
        start = pygame.Rect(m.margin * 2, m.height - bh * 2 - m.margin * 3, m.width - m.margin * 4, int(bh * 1.3))
        edge = tuple(int(c * (0.6 + 0.4 * pulse)) for c in theme.ACCENT)
        p.button(start, "Nurse: start a session", lambda: self.app.go("pin", next="session"), kind="primary",
                 key="start", px=m.title)
        pygame.draw.rect(p.surface, edge, start.inflate(8, 8), 3, border_radius=m.px(14))
        row_y = m.height - bh - m.margin
        half = (m.width - m.margin * 5) // 2
        p.button(pygame.Rect(m.margin * 2, row_y, half, bh), "Clinician view",
                 lambda: self.app.go("pin", next="clinician"), key="clinician")
        p.button(pygame.Rect(m.margin * 3 + half, row_y, half, bh), "Settings",
                 lambda: self.app.go("pin", next="settings"), key="settings")
        p.text("Decision support for your clinician, not a diagnosis.", (m.width - m.margin, m.margin),
               m.small, theme.MUTED, anchor="topright")
