"""PDF reports (ReportLab platypus): clinician.py, patient.py, charts.py."""
from kiosk.reports.clinician import build_clinician_pdf
from kiosk.reports.data import ReportData, gather
from kiosk.reports.delivery import Delivery, deliver
from kiosk.reports.patient import build_patient_pdf

__all__ = ["Delivery", "ReportData", "build_clinician_pdf", "build_patient_pdf", "deliver", "gather"]
