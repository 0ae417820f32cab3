"""``python -m hal.sim <kind>``: serve a simulator on a pseudo-terminal (see pty_runner)."""

import sys

from hal.sim.pty_runner import main

sys.exit(main())
