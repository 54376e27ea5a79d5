"""Instant feedback checks for lessons and the nbgrader-based release / autograde commands."""
