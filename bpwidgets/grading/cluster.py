"""``bpwidgets grade --scheduler ADDRESS``: one Dask task per submission on a distributed cluster.

Workers need not share a filesystem with the grader: each task carries its submission's bytes
and the lesson sources (scattered once), writes them into a temporary folder of its own on the
worker, grades that copy with the same ``grade_one`` as ``--jobs`` (same sandbox and limits), and
returns the plain result. Results come back in input order; ``on_result`` is called once per
submission as it finishes (progress, results log). A worker that dies mid-task has its tasks
rerun elsewhere by the scheduler; a submission is reported once, by its task key, whatever the
number of times it ran.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from bpwidgets.grading.parallel import OnResult, failed
from bpwidgets.grading.report import SubmissionResult

INSTALL_HINT = "--scheduler needs Dask: install it with `pip install 'bpwidgets[cluster]'`"
CONNECT_TIMEOUT = "20s"
GATEWAY_SCHEME = "gateway://"  # a Dask Gateway cluster's address: gateway://host:port/<name>


class ClusterError(Exception):
    """The cluster cannot be used (Dask missing, scheduler unreachable); the message says why."""


def lesson_files(source_dir: Path) -> dict[str, bytes]:
    """The instructor notebooks of ``source_dir`` by file name, to ship to the workers."""
    return {path.name: path.read_bytes() for path in sorted(Path(source_dir).glob("*.ipynb"))}


def grade_shipped(
    grade_one: Callable, options, submission: str, notebook: bytes, sources: dict[str, bytes]
) -> SubmissionResult:
    """Grade one shipped submission in a temporary folder of the worker (a Dask task)."""
    from bpwidgets.grading.nbgrader_setup import own_bin_on_path

    own_bin_on_path()  # a worker started from a venv that is not activated
    with tempfile.TemporaryDirectory(prefix="bpwidgets-task-") as folder:
        source_dir = Path(folder, "source")
        source_dir.mkdir()
        for name, data in sources.items():
            (source_dir / name).write_bytes(data)
        copy = Path(folder, "submission", Path(submission).name)
        copy.parent.mkdir()
        copy.write_bytes(notebook)
        result = grade_one(copy, source_dir=source_dir, options=options)
    return dataclasses.replace(result, submission=submission)


def _client(address: str):
    """Connect to the scheduler; raise ClusterError saying why not."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(INSTALL_HINT) from None
    try:
        if address.startswith(GATEWAY_SCHEME):
            return _gateway_client(address)
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {error}") from None


def _gateway_client(address: str):
    """A client of a Dask Gateway cluster, by the address it prints (its TLS from the gateway)."""
    try:
        from dask_gateway import Gateway
    except ImportError:
        raise ClusterError(f"{address} is a Dask Gateway cluster: install dask-gateway") from None
    cluster_name = address.rstrip("/").rsplit("/", 1)[-1]
    # the gateway's own address and auth come from the hub's environment (DASK_GATEWAY__*)
    return Gateway().connect(cluster_name).get_client(set_as_default=False)


def task_key(index: int, path: Path) -> str:
    """The Dask key of one submission's task: unique in the batch, readable on the dashboard."""
    return f"bpwidgets-grade-{index:05d}-{Path(path).name}"


def grade_on_cluster(
    paths: Sequence[Path],
    grade_one: Callable,
    source_dir: Path,
    options,
    on_result: OnResult | None = None,
    *,
    address: str,
) -> list[SubmissionResult]:
    """Grade every path on the Dask cluster at ``address``; return the results in input order."""
    from distributed import as_completed

    report = on_result or (lambda index, result: None)
    results: list[SubmissionResult | None] = [None] * len(paths)
    with _client(address) as client:
        [sources] = client.scatter([lesson_files(source_dir)], hash=False)
        futures = {}
        for index, path in enumerate(paths):
            try:
                notebook = Path(path).read_bytes()
            except OSError as error:
                results[index] = failed(path, f"cannot read the submission: {error}")
                report(index, results[index])
                continue
            key = task_key(index, path)
            future = client.submit(
                grade_shipped, grade_one, options, str(path), notebook, sources, key=key, pure=False
            )
            futures[future.key] = (index, future)
        running = [future for _, future in futures.values()]
        for future in as_completed(running, loop=client.loop):
            index, _ = futures[future.key]
            if results[index] is not None:  # already reported: a rerun never counts twice
                continue
            try:
                results[index] = future.result()
            except Exception as error:  # the task itself failed, e.g. its workers kept dying
                reason = f"grading failed on the cluster: {type(error).__name__}: {error}"
                results[index] = failed(paths[index], reason)
            report(index, results[index])
    return results
