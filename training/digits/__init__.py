"""Handwritten-digit reader: synthetic data (synth, strokes), training + ONNX export (train), scoring labelled crops (eval_crops)."""
