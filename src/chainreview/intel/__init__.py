"""Vulnerability and screening intelligence: feeds imported into content-hashed snapshots."""
