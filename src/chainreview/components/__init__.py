"""What a product is made of: the component model and the identity helpers (purl, CPE, versions)."""
