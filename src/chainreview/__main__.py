"""`python -m chainreview` runs the command-line interface."""

from chainreview.cli.app import main

main()
