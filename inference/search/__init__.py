"""Semantic + keyword search over document records (pure: no database, no files written)."""
