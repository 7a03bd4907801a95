"""The field tagger's network: a small LayoutLM for token classification, trained from scratch here."""
