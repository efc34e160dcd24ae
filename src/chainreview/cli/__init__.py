"""The command-line interface (Typer + Rich): the only place errors become exit codes."""
