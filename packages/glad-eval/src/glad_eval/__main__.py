"""``python -m glad_eval`` = the ``glad-eval`` command."""

import sys

from .cli import main

sys.exit(main())
