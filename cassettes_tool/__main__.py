"""``python -m cassettes_tool``."""

import sys

from cassettes_tool.cli import main

sys.exit(main())
