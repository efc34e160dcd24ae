"""What a portfolio is read from: an inventory file, or a declaration package's folder."""

from __future__ import annotations

from pathlib import Path

from chainreview.portfolio.declared import from_declaration
from chainreview.portfolio.inventory_file import read_inventory
from chainreview.portfolio.model import Portfolio

__all__ = ["load_portfolio"]


def load_portfolio(path: Path) -> Portfolio:
    """The portfolio of an inventory file (YAML or CSV) or of a declaration package folder
    (read and checked by `chainreview.load_package`). Raises `InputError` (`InvalidPackage`
    for a package) naming the file and the place of the first problem (of every problem)."""
    if path.is_dir():
        from chainreview.reviewer import load_package

        return from_declaration(load_package(path))
    return read_inventory(path)
