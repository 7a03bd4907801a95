"""The layout model's network: page image -> per-class region probability maps, trained here."""
