"""Evidence in: SBOMs (CycloneDX, SPDX) read from untrusted files into the component model."""
