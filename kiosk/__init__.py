"""Facial palsy assessment kiosk: objective facial-symmetry and speech measures.

Decision support for clinicians, never a diagnosis.
"""

__version__ = "0.1.0"
