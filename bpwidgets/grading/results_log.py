"""The results log: one JSON line per finished submission, on disk the moment it exists.

Each line is written whole, flushed and fsynced before the next submission starts, so killing
the grader (even with SIGKILL) loses no finished result; a line torn by the kill is ignored
on reading. ``--resume`` reuses the logged result of every submission whose path and content
(sha256) are unchanged, so a resumed batch gives the same report as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from bpwidgets.grading.report import ItemResult, SubmissionResult


def submission_digest(path: Path) -> str:
    """sha256 hex of the file's bytes ('' when it cannot be read)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def result_from_dict(data: dict) -> SubmissionResult:
    """Rebuild a SubmissionResult from its JSON form (as written by ``asdict``)."""
    items = [ItemResult(**item) for item in data.get("items", [])]
    return SubmissionResult(**{**data, "items": items})


class ResultsLog:
    """An append-only JSON-lines file of results; ``resume=False`` starts it afresh."""

    def __init__(self, path: Path, *, resume: bool):
        self.path = Path(path)
        if not resume or not self.path.is_file():
            self.path.write_text("", encoding="utf-8")
        elif not self.path.read_bytes().endswith(b"\n") and self.path.stat().st_size:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write("\n")  # close a line torn by a kill, so the next one stands alone

    def append(self, result: SubmissionResult, digest: str) -> None:
        """Write one result as one line; return only once it is on disk."""
        line = json.dumps({"digest": digest, "result": asdict(result)}, ensure_ascii=False)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def finished(self) -> dict[tuple[str, str], SubmissionResult]:
        """{(submission path, digest): result} of every complete line (later lines win)."""
        if not self.path.is_file():
            return {}
        done = {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                result = result_from_dict(entry["result"])
                done[(result.submission, entry["digest"])] = result
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a kill
        return done
