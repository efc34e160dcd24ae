"""Every size, depth and count cap a parser enforces, in one place.

Vendors and the internet supply our input, so each reader checks these before it spends memory.
The numbers are generous for real SBOMs (the largest real ones here are a few MB with ~10k entries)
and small enough that hostile input fails fast.
"""

from __future__ import annotations

from typing import Final

MAX_SBOM_BYTES: Final = 256 * 1024 * 1024
"""Largest SBOM file read, in bytes."""

PIPE_IDLE_SECONDS: Final = 30.0
"""Longest wait for the next byte of an input read from a pipe before it is refused."""

MAX_DOCUMENT_BYTES: Final = 512 * 1024 * 1024
"""Largest supporting document of a declaration package (a contract, a report) digested."""

MAX_JSON_DEPTH: Final = 100
"""Deepest nesting of JSON/YAML/TOML arrays and objects accepted (a TOML dotted key or table
name nests one level per part)."""

MAX_YAML_BYTES: Final = 64 * 1024 * 1024
"""Largest YAML document parsed: building one takes about 35 bytes of memory per byte of YAML
(PyYAML's node graph and the values at once), so this cap costs about the memory the largest JSON
SBOM (`MAX_SBOM_BYTES`, about 8 bytes per byte) does."""

MAX_YAML_INT_CHARS: Final = 1_000
"""Longest YAML integer read, in characters: even in hexadecimal it then prints within Python's
4,300-digit cap, and YAML 1.1's base-60 integers (`1:20:30`, computed digit by digit, quadratic in
their length) stay cheap."""

MAX_IGNORE_BYTES: Final = 4 * 1024 * 1024
"""Largest ignore file (`--ignore`) read, some 40,000 entries: osv-scanner's TOML is read by the
standard library's pure-Python parser, about a second per MB."""

MAX_OVERRIDES_BYTES: Final = 256 * 1024
"""Largest overrides file (`--overrides`) read: a factor is overridden at most once, so a real file
is a few kB, and the schema check costs about half a millisecond per entry."""

MAX_XML_DEPTH: Final = 100
"""Deepest nesting of XML elements accepted."""

MAX_COMPONENTS: Final = 500_000
"""Most components (or SPDX packages) one document may declare."""

MAX_SPDX3_ELEMENTS: Final = 1_000_000
"""Most elements (packages, files, relationships, agents, licences together) one SPDX 3 `@graph`
may hold. SPDX 3 spends an element on every relationship and licence a 2.x document writes inline,
so a graph is some five elements per package and file: this is twice `MAX_COMPONENTS`, room for
some 200,000 packages and files, and refuses a graph of a million trivial elements (a 13-byte
`{"type":"x"}` each fits 20 million in `MAX_SBOM_BYTES`) before any is indexed."""

MAX_EDGES: Final = 5_000_000
"""Most dependency graph edges (CycloneDX `dependsOn` and nesting, SPDX relationships between
packages) one document may give, repeats not counted. The largest real SBOMs in the shared test
data give 4,759 (Apache Airflow 2.8.0, 1,750 components) and 2,053 (juice-shop, 1,116): this is a
thousand times that, ten per component at `MAX_COMPONENTS`, and over the 2.25 million edges of a
1,500-component graph where every component depends on every other. A 256 MiB JSON file could
otherwise give some 30 million, several GB once read."""

MAX_STRING_CHARS: Final = 64 * 1024
"""Longest identifier string (name, version, purl, CPE) kept; longer ones are refused per entry."""

MAX_WARNINGS_PER_FILE: Final = 10_000
"""Warnings kept per file; the rest are counted, not stored."""

MAX_TAG_VALUE_LINES: Final = 5_000_000
"""Most lines read from an SPDX tag-value document."""

MAX_EXPANDED_NODES: Final = 5_000_000
"""Most JSON/YAML nodes a document may expand to once YAML aliases are followed."""

MAX_FEED_BYTES: Final = 1024 * 1024 * 1024
"""Largest intelligence feed file read (KEV, NVD, EPSS, sanctions, EOL, distro), in bytes."""

MAX_FEED_DECOMPRESSED_BYTES: Final = 1024 * 1024 * 1024
"""Most bytes a gzipped feed file (EPSS `.csv.gz`) may decompress to."""

MAX_FEED_FILE_BYTES: Final = 64 * 1024 * 1024
"""Largest single intelligence file read (an OSV record, a KEV or NVD JSON page, a CSV)."""

MAX_FEED_FILES: Final = 2_000_000
"""Most files one feed directory (or zip) may hold (osv.dev's largest dump has ~300k)."""

MAX_ZIP_BYTES: Final = 4 * 1024 * 1024 * 1024
"""Largest zip archive opened, in bytes on disk."""

MAX_ZIP_ENTRY_BYTES: Final = MAX_FEED_FILE_BYTES
"""Largest uncompressed zip member, declared or actually read."""

MAX_ZIP_TOTAL_BYTES: Final = 16 * 1024 * 1024 * 1024
"""Most bytes all members of one zip may expand to, declared or actually read."""

MAX_ZIP_RATIO: Final = 200
"""Highest compression ratio accepted for a member over 1 MiB; zip bombs sit in the thousands."""

MAX_ZIP_ENTRIES: Final = MAX_FEED_FILES
"""Most members one zip archive may list."""

MAX_PACKAGE_ZIP_BYTES: Final = 64 * 1024 * 1024
"""Largest declaration package uploaded as a zip archive (`POST /v1/declarations`)."""

MAX_PACKAGE_FILES: Final = 10_000
"""Most members a declaration package archive may list (a real package has tens)."""

MAX_PACKAGE_UNPACKED_BYTES: Final = 1024 * 1024 * 1024
"""Most bytes the members of a declaration package archive may expand to, declared or actually
read (each member also within `MAX_ZIP_ENTRY_BYTES`, and over 1 MiB within `MAX_ZIP_RATIO`)."""

MAX_DOWNLOAD_BYTES: Final = MAX_ZIP_BYTES
"""Largest file `intel sync` downloads (declared by the server or actually received)."""

MAX_SIDECAR_BYTES: Final = 4096
"""Largest checksum sidecar (`<file>.sha256`) `intel sync` reads."""

MAX_NVD_PAGES: Final = 2_000
"""Most NVD API pages one sync requests (the whole NVD is ~150 pages of 2,000 CVEs)."""

MAX_YAML_MERGED_KEYS: Final = 50_000
"""Most key/value pairs YAML merge keys (`<<`) may copy in one document ("merge-key bombs")."""

MAX_CACHED_PACKAGES: Final = 20_000
"""Packages whose advisories (and compiled index) an open snapshot keeps; past this the cache
starts afresh, so a long-lived service scanning many products stays bounded in memory."""

MAX_FEED_JSON_BYTES: Final = 256 * 1024 * 1024
"""Largest JSON feed parsed whole (KEV, NVD, CSL, endoflife.date, Alpine): ~7x it in memory."""

MAX_CALENDAR_BYTES: Final = 64 * 1024
"""Largest State Council holiday arrangement file read (`chainreview calendar import`, and the
stored copies under `$CHAINREVIEW_HOME/calendars`): a real year's is under 2 kB."""

MAX_INVENTORY_BYTES: Final = 32 * 1024 * 1024
"""Largest operator inventory read (YAML or CSV): a national office's 10,000 products in a few
systems each is some 3 MB of CSV."""

MAX_MONITOR_STATE_BYTES: Final = 256 * 1024 * 1024
"""Largest monitor state read (`$CHAINREVIEW_HOME/monitor/state.json`, written by the monitor
itself): one result per distinct package version deployed and the findings of each product;
parsed whole, like a JSON feed (`MAX_FEED_JSON_BYTES`)."""
