"""`python -m cli ...` runs the `edc` command line (tests and the bench start it so)."""

import sys

from cli.main import main

sys.exit(main())
