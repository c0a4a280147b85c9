"""`python -m glad_distill` = the `glad` command."""

import sys

from .cli import main

sys.exit(main())
