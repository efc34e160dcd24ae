"""YAML reading speed: `chainreview.raw.load_yaml` against PyYAML's C loader (libyaml).

    python benchmarks/bench_yaml.py [--packages N] [--repeat N]

A generated SPDX 2.3 document of N packages (default 3,000: about 1.1 MB of YAML, as syft writes
one) is read N times by each, alternately, in the same run. `load_yaml` keeps the careful
loader's behaviour (duplicate keys refused, dates and timestamps left as text, limits) on top of
libyaml; the pure-Python loader it replaced took about 6 s per MB, 8x libyaml. Target: the
median ≤ 2.5x libyaml's. Prints MET / MISSED; always exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any, Final

import yaml

from chainreview import raw

TARGET: Final = 2.5


def spdx_packages(count: int) -> dict[str, Any]:
    """An SPDX 2.3 document of `count` packages with purls and checksums, as syft writes."""
    return {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "generated",
        "documentNamespace": "https://example.com/generated",
        "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: bench"]},
        "packages": [
            {
                "SPDXID": f"SPDXRef-p{index}",
                "name": f"package-{index}",
                "versionInfo": f"1.{index % 50}.{index % 7}",
                "downloadLocation": "NOASSERTION",
                "checksums": [{"algorithm": "SHA256", "checksumValue": f"{index:064x}"}],
                "externalRefs": [
                    {
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": f"pkg:pypi/package-{index}@1.{index % 50}.{index % 7}",
                    }
                ],
            }
            for index in range(count)
        ],
    }


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    document = spdx_packages(args.packages)
    data = yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False).encode()
    if raw.load_yaml(data, "sbom.yaml") != document:
        raise SystemExit("load_yaml read the document differently from what was written")
    ours: list[float] = []
    libyaml: list[float] = []
    for _ in range(args.repeat):
        libyaml.append(timed(lambda: yaml.load(data, Loader=yaml.CSafeLoader)))
        ours.append(timed(lambda: raw.load_yaml(data, "sbom.yaml")))
    ratio = statistics.median(ours) / statistics.median(libyaml)
    print(f"document: {args.packages} packages, {len(data) / 1e6:.2f} MB of YAML")
    for name, times in (("libyaml (CSafeLoader)", libyaml), ("raw.load_yaml", ours)):
        print(f"{name:>22}: median {statistics.median(times):.3f} s, min {min(times):.3f} s")
    verdict = "MET" if ratio <= TARGET else "MISSED"
    print(f"load_yaml / libyaml: {ratio:.2f}x (target <= {TARGET}x): {verdict}")


if __name__ == "__main__":
    main()
