"""Where chainreview keeps its state: one data directory, `$CHAINREVIEW_HOME`.

Intel snapshots, the SQLite database, caches and the error log all live under it. The default is
the platform's user data directory (e.g. `~/.local/share/chainreview` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "CHAINREVIEW_HOME"


def data_home() -> Path:
    """Return the data directory (not created here)."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    import platformdirs  # only without $CHAINREVIEW_HOME: keeps start-up cheap

    return Path(platformdirs.user_data_dir("chainreview", appauthor=False))


def log_path() -> Path:
    """Return the file that receives tracebacks of internal errors."""
    return data_home() / "logs" / "chainreview.log"
