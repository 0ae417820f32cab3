"""``python -m hal``: see hal.cli."""

import sys

from hal.cli import main

sys.exit(main())
