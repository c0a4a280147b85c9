"""`python -m glad_generators ...` = the `glad-generators` console script."""

import sys

from .cli import main

sys.exit(main())
