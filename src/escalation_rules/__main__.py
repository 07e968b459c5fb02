"""``python -m escalation_rules`` runs the command line."""

import sys

from ._cli.app import main

sys.exit(main())
