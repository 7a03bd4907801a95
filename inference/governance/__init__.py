"""Records governance, the pure part: duplicate signatures and matching, quality flags, classification
(block, type, level, successor unit), retention proposals. The service side is api/governance.py."""
