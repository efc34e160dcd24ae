"""Factors: the F01–F20 catalogue, the regime profiles that map it to each regime's articles, and
the evaluators that turn evidence into one assessment per factor.

The catalogue and profiles are data (YAML shipped in this package, see `catalogue`); evaluators
are keyed by catalogue id (`registry`), one module per family of factors.
"""

from __future__ import annotations

from chainreview.factors.catalogue import Catalogue, RegimeProfile, load_catalogue, load_profile

__all__ = ["Catalogue", "RegimeProfile", "load_catalogue", "load_profile"]
