"""`python -m display.agent`: see display/agent/agent.py."""

import sys

from .agent import main

sys.exit(main())
