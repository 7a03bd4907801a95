"""Identity and access control: who calls (principal), how they prove it (JWT, API keys), what they may see."""
