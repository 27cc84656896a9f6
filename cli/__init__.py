"""The `edc` command line (DESIGN.md, "Contract: command line"): the outer ring, above the web
and the application; `main` parses the command and hands it to one module per command."""
