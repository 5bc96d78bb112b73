"""Synthetic patients for the demo and the tests: warped real faces (synthetic_face) and synthesized speech."""
