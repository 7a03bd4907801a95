"""Handwritten-digit CRNN (crnn)."""
