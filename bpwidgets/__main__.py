"""``python -m bpwidgets`` runs the command-line interface."""

from bpwidgets.cli import main

raise SystemExit(main())
