"""``python -m observatory``: the same as the ``observatory`` command."""

import sys

from observatory.cli import main

sys.exit(main())
