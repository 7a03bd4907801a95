"""Records exchange, pure parts: the standard metadata (Circular 02/2019/TT-BNV, Decree 30 App. VI) as JSON
and XML, entity recognisers for links to the national registers, masking of personal data, register
connectors and the two-layer PDF/A builder."""
