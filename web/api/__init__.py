"""The JSON API under /api/v1 (DESIGN.md, "Contract: JSON API")."""
