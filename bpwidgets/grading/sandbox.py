"""Start a submission's executor in a bubblewrap sandbox (or, with ``--sandbox off``, without one).

The sandbox (``bwrap``) has its own PID, network, IPC and UTS namespaces and a new session; its
filesystem is the read-only system (/usr and its /bin, /lib links), the Python installation and
the bpwidgets package (lesson sources inside it hidden under an empty tmpfs), a small private
/tmp as the only writable place, a fresh /proc and a minimal /dev. Nothing else of the
grader's filesystem — sources, results, other submissions, home folders — exists inside. The
executor runs as its own unprivileged uid with resource limits. When the executor's process
tree ends (or is killed), the PID namespace takes every process it started with it.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

SANDBOX_MODES = ("auto", "required", "off")
SCRATCH = "/tmp"
_UID_BASE = 200_000  # far above real accounts; a random one per sandbox (separate NPROC counts)
_warned = False


class SandboxUnavailable(RuntimeError):
    """bwrap cannot run here; the message says why."""


def _package_dir() -> Path:
    """The folder of the installed bpwidgets package."""
    import bpwidgets

    return Path(bpwidgets.__file__).resolve().parent


def _python_roots() -> list[Path]:
    """Folders the executor's Python needs: the environment and its base installation."""
    roots = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    return sorted(root for root in roots if not _under_system(root))


def _under_system(path: Path) -> bool:
    """True for paths inside /usr (already visible read-only)."""
    return path == Path("/usr") or Path("/usr") in path.parents


def _parents_as_dirs(paths: list[Path]) -> list[str]:
    """bwrap arguments creating every missing parent folder readable (bwrap would make them 0700)."""
    parents = sorted(
        {p for path in paths for p in path.parents if p != Path("/")}, key=lambda p: len(p.parts)
    )
    args = []
    for parent in parents:
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _hidden_dirs(visible: list[Path], package: Path, source_dir: Path | None) -> list[Path]:
    """Folders inside the visible ones to cover with an empty tmpfs (lesson sources)."""
    hidden = [package / "lessons" / "source"]
    if source_dir is not None:
        hidden.append(Path(source_dir).resolve())
    return [
        path
        for path in dict.fromkeys(hidden)
        if path.is_dir() and any(path == root or root in path.parents for root in visible)
    ]


def bwrap_command(command: list[str], *, source_dir: Path | None, scratch_mb: int) -> list[str]:
    """Return the bwrap command line that runs ``command`` in a fresh sandbox."""
    package = _package_dir()
    visible = _python_roots() + [package]
    args = [
        "bwrap",
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", str(scratch_mb * 1024 * 1024), "--tmpfs", SCRATCH,
    ]  # fmt: skip
    args += _parents_as_dirs(visible)
    for path in visible:
        args += ["--ro-bind", str(path), str(path)]
    for path in _hidden_dirs(visible, package, source_dir):
        args += ["--tmpfs", str(path), "--remount-ro", str(path)]
    args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]  # dropped by the executor
    args += ["--chdir", SCRATCH, "--clearenv"]
    for key, value in sandbox_environment().items():
        args += ["--setenv", key, value]
    return args + ["--", *command]


def sandbox_environment() -> dict[str, str]:
    """The executor's whole environment (nothing of the grader's leaks in)."""
    return {
        "HOME": SCRATCH,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "USER": "student",
        "LOGNAME": "student",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{SCRATCH}/.matplotlib",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        **(
            {"OPENBLAS_CORETYPE": os.environ["OPENBLAS_CORETYPE"]}
            if "OPENBLAS_CORETYPE" in os.environ
            else {}
        ),
    }


def executor_command() -> list[str]:
    """The command that starts the executor (isolated mode: no cwd, no user site, no PYTHON*)."""
    return [sys.executable, "-I", "-m", "bpwidgets.grading.sandbox_kernel"]


def sandbox_uid() -> int:
    """An unprivileged uid for one sandbox (random, so concurrent sandboxes do not share limits)."""
    return _UID_BASE + secrets.randbelow(100_000)


@functools.cache
def bwrap_problem() -> str | None:
    """None when bwrap can start a sandbox here, else the reason it cannot (checked once)."""
    if shutil.which("bwrap") is None:
        return "bwrap (Debian/Ubuntu package 'bubblewrap') is not installed"
    command = bwrap_command([sys.executable, "-I", "-c", "pass"], source_dir=None, scratch_mb=8)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap failed to start: {error}"
    if done.returncode != 0:
        lines = (done.stderr or "").strip().splitlines()
        return f"bwrap cannot create a sandbox here: {lines[-1] if lines else f'exit {done.returncode}'}"
    return None


def use_sandbox(mode: str) -> bool:
    """Decide whether to sandbox: 'off' never; 'required' or raise; 'auto' if possible, else warn once."""
    global _warned
    if mode not in SANDBOX_MODES:
        raise ValueError(f"sandbox must be one of {', '.join(SANDBOX_MODES)}; got {mode!r}")
    if mode == "off":
        return False
    problem = bwrap_problem()
    if problem is None:
        return True
    if mode == "required":
        raise SandboxUnavailable(
            f"cannot sandbox the submissions ({problem}); install bubblewrap or use --sandbox off"
        )
    if not _warned:
        _warned = True
        print(
            f"bpwidgets grade: warning: grading WITHOUT a sandbox ({problem}); "
            "student code can read and change this machine's files",
            file=sys.stderr,
            flush=True,
        )
    return False


def start_executor(
    *, sandboxed: bool, source_dir: Path | None, scratch_mb: int, scratch: Path
) -> subprocess.Popen:
    """Start the executor (in a sandbox or not); stdin takes requests, stdout gives replies."""
    command = executor_command()
    if sandboxed:
        command, cwd, env = (
            bwrap_command(command, source_dir=source_dir, scratch_mb=scratch_mb),
            None,
            None,
        )
    else:
        cwd, env = (
            scratch,
            {**sandbox_environment(), "HOME": str(scratch), "MPLCONFIGDIR": str(scratch / ".mpl")},
        )
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
        start_new_session=True,  # its own process group: killed as one when unsandboxed
        close_fds=True,
    )
