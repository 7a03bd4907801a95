"""Training of the LayoutLM-style field tagger (inference/kie/model.py): labelled word sequences from the
synthetic factory, a WordPiece tokenizer trained here, a small LayoutLM trained from scratch, ONNX export."""
