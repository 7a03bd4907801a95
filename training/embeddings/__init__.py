"""The search embedder: a static embedding over a tokenizer trained on our corpus, trained with MNRL."""
