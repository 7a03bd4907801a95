"""Training of the layout model (inference/layout_model.py): synthetic page images and regions from the
factory, a small fully-convolutional network in plain torch (models/layout), ONNX export, a card."""
