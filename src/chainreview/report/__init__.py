"""Reports: renderings of review and scan results (SARIF for code-scanning tools)."""
