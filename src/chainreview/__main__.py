"""`python -m chainreview` runs the command-line interface."""

from chainreview.cli.app import main

if __name__ == "__main__":  # not when a worker process (Dask's, spawned) imports it again
    main()
