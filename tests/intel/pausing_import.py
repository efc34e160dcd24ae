"""Test only: an import that stops at a chosen phase, so a test can kill it there.

    python tests/intel/pausing_import.py PHASE PATH…     import PATHs into $CHAINREVIEW_HOME
    python tests/intel/pausing_import.py PHASE --bundled  import the bundled feeds

At PHASE (`importer.Phase`) the import writes `intel/paused-PHASE` (holding its process id) and
sleeps for ten minutes.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path

from chainreview import home
from chainreview.intel import bundled, importer, snapshot


def main() -> None:
    """Run the import the arguments name, pausing at the phase they name."""
    phase, *paths = sys.argv[1:]
    data = home.data_home()

    def pause(reached: importer.Phase) -> None:
        if reached.value == phase:
            (snapshot.intel_dir(data) / f"paused-{phase}").write_text(str(os.getpid()))
            time.sleep(600)

    if paths == ["--bundled"]:
        importer.import_groups = functools.partial(importer.import_groups, pause=pause)  # type: ignore[assignment]
        bundled.import_bundle(data)
    else:
        importer.import_paths([Path(path) for path in paths], home=data, pause=pause)


if __name__ == "__main__":
    main()
