"""Grading tests never fall back to grading unsandboxed: `bpwidgets grade` defaults to required."""

import os

os.environ.setdefault("BPWIDGETS_SANDBOX", "required")
