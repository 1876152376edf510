"""One module per CLI command (thin: parse, call the library, render, return an exit code)."""
