"""Scores computed from measures: facial (Sunnybrook-style, House-Brackmann estimate) and speech.

All scores are automated estimates for decision support, not diagnoses; each carries its inputs.
"""
