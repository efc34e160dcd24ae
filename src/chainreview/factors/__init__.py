"""Factors: the F01–F20 catalogue and the regime profiles that map it to each regime's articles.

The catalogue and profiles are data (YAML shipped in this package); evaluators, keyed by catalogue
id, come later. See `chainreview.factors.catalogue`.
"""

from __future__ import annotations

from chainreview.factors.catalogue import Catalogue, RegimeProfile, load_catalogue, load_profile

__all__ = ["Catalogue", "RegimeProfile", "load_catalogue", "load_profile"]
