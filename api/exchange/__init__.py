"""Records exchange, service parts: hồ sơ (dossiers), standard metadata export/import, the change feed,
entity links with their register checks, and archival PDF/A of stored documents."""
