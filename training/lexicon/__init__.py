"""Syllable language model for post-OCR diacritic restoration (inference.diacritics)."""
