"""The portfolio: an operator's systems, products, components and vendors as one graph, and
the questions asked of it (DESIGN §6; docs/portfolio.md).

* `inventory_file.read_inventory` reads an inventory (YAML or CSV), `declared.from_declaration`
  takes a declaration package: both give a `model.Portfolio`;
* `build.build_graph` makes its supply-chain graph (`graph`: rustworkx behind a small class);
* `blast` and `advisory` answer blast-radius questions, `concentration` measures shares and
  single sources per function, `what_if` says what a vendor failing costs.

Every function returns frozen dataclasses and prints nothing; the CLI (`cli/portfolio.py`) and
the web service call the same ones.
"""
