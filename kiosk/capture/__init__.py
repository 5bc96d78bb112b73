"""Frame and sound sources: camera.py (Picamera2, OpenCV, file/video replay) and audio.py."""
