"""Verifiable credentials (issue 18): the issuer's Ed25519 key, W3C Verifiable Credentials in the Open Badges
3.0 profile secured as VC-JOSE-COSE (`application/vc+jwt`), and revocation through a Bitstring Status List.

Nothing domain-specific: apprenticeships issues its 出师 certificates through `services.issue_open_badge`,
and competitions can issue award certificates through the same call (docs/adr/0087)."""
