"""On-device face vision: BlazeFace detection, 468-point face mesh, iris, head pose and a
per-frame quality gate, on LiteRT (TFLite) models from mediapipe 0.10.21.

Public entry point: :class:`kiosk.vision.pipeline.FacePipeline` (docs/contracts.md).
"""
