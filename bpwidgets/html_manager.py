"""The widget HTML manager of static pages: where to find it, and how to inline it in a page.

An exported page draws its widgets with ``@jupyter-widgets/html-manager``'s ``dist/embed.js``.
By default the page loads it from the jsDelivr CDN. A self-contained page instead carries the
script (and the icon fonts it references) inside the HTML, so it works from ``file://`` and as
an LMS upload with no network. That code is not part of bpwidgets: it is taken at export time
from an unpacked copy of the npm package, found in this order:

1. the ``html_manager=`` argument (CLI: ``--html-manager DIR``);
2. the folder named by the environment variable ``BPWIDGETS_HTML_MANAGER``;
3. a copy in the user cache (``$XDG_CACHE_HOME/bpwidgets``, else ``~/.cache/bpwidgets``),
   put there on first use by ``npm pack @jupyter-widgets/html-manager``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from ipywidgets._version import __html_manager_version__
from ipywidgets.embed import DEFAULT_EMBED_SCRIPT_URL

CDN_URL = DEFAULT_EMBED_SCRIPT_URL  # the embed.js matching this ipywidgets
NPM_SPEC = f"@jupyter-widgets/html-manager@{__html_manager_version__}"
MAJOR = __html_manager_version__.lstrip("^~=v").split(".")[0]
ENV_VAR = "BPWIDGETS_HTML_MANAGER"

# webpack refers to each bundled asset (the icon fonts) as ``<require>.p + "<hash>.<ext>"``,
# a URL relative to the script's own location, which an inlined script does not have.
_ASSET = re.compile(r'\b[A-Za-z_$][\w$]*\.p\+"([0-9a-f]{16,}\.(woff2|woff|ttf|eot|svg))"')


class HtmlManagerUnavailable(RuntimeError):
    """No usable copy of the widget HTML manager; the message says how to provide one."""


def locate(folder: str | os.PathLike | None = None) -> Path:
    """The unpacked html-manager package to inline: ``folder``, else $BPWIDGETS_HTML_MANAGER,
    else the user cache (filled by ``npm pack`` on first use)."""
    if folder is not None:
        return _checked(Path(folder), "html_manager (CLI: --html-manager)")
    if os.environ.get(ENV_VAR):
        return _checked(Path(os.environ[ENV_VAR]), f"${ENV_VAR}")
    cached = cache_dir() / f"html-manager-{MAJOR}" / "package"
    if not (cached / "dist" / "embed.js").is_file():
        _npm_pack_into(cached.parent)
    return _checked(cached, f"the cached copy {cached}")


def cache_dir() -> Path:
    """The folder where bpwidgets keeps downloaded copies ($XDG_CACHE_HOME/bpwidgets)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bpwidgets"


def inline_script(package: Path) -> str:
    """The text of ``dist/embed.js`` ready to sit inside a ``<script>`` element of any page.

    Its icon fonts become ``data:`` URLs (only WOFF2, which every current browser uses; the
    legacy formats become empty, so the page never asks the network for them).
    """
    text = (package / "dist" / "embed.js").read_text(encoding="utf-8")
    fonts = 0

    def embed(match: re.Match) -> str:
        nonlocal fonts
        name, kind = match.groups()
        if kind != "woff2":
            return '"data:,"'
        fonts += 1
        data = base64.b64encode((package / "dist" / name).read_bytes()).decode("ascii")
        return f'"data:font/woff2;base64,{data}"'

    text = _ASSET.sub(embed, text)
    if fonts == 0:
        raise HtmlManagerUnavailable(
            f"{package / 'dist' / 'embed.js'} does not look like the html-manager {MAJOR}.x "
            f"bundle (no fonts found to inline); use {NPM_SPEC}")
    # Inside <script>, only "</script" and "<!--" mean something to the HTML parser; in
    # JavaScript strings and regular expressions "<\/" and "<\!" mean the same characters.
    text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)
    return text.replace("<!--", "<\\!--")


def license_note(package: Path) -> str:
    """The package's name, version, licence and bundled third-party notices, as plain text."""
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    notices = package / "dist" / "embed.js.LICENSE.txt"
    text = notices.read_text(encoding="utf-8") if notices.is_file() else ""
    return (f"{meta.get('name')} {meta.get('version')} ({meta.get('license')}), inlined by "
            f"bpwidgets. Licences of the code it bundles:\n{text}")


def _checked(package: Path, origin: str) -> Path:
    """``package`` (or its parent, if given the dist folder) when it holds dist/embed.js."""
    package = package.expanduser()
    if package.name == "dist" and (package / "embed.js").is_file():
        package = package.parent
    if not (package / "dist" / "embed.js").is_file():
        raise HtmlManagerUnavailable(
            f"{origin} must be an unpacked {NPM_SPEC} npm package (a folder with "
            f"dist/embed.js); got {str(package)!r}")
    version = json.loads((package / "package.json").read_text(encoding="utf-8")).get("version")
    if str(version).split(".")[0] != MAJOR:
        raise HtmlManagerUnavailable(
            f"{origin} holds html-manager {version}; this ipywidgets needs {NPM_SPEC}")
    return package


def _npm_pack_into(folder: Path) -> None:
    """Download the package with ``npm pack`` and unpack it as ``folder/package``."""
    npm = shutil.which("npm")
    hint = (f"install npm, or unpack {NPM_SPEC} yourself and pass its folder with "
            f"--html-manager DIR (or ${ENV_VAR})")
    if npm is None:
        raise HtmlManagerUnavailable(f"a self-contained page needs {NPM_SPEC}: npm was not "
                                     f"found to download it; {hint}")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        try:
            subprocess.run([npm, "pack", NPM_SPEC, "--silent"], cwd=scratch, check=True,
                           capture_output=True, text=True, timeout=300)
        except (subprocess.SubprocessError, OSError) as error:
            reason = (getattr(error, "stderr", "") or str(error)).strip().splitlines()
            raise HtmlManagerUnavailable(
                f"`npm pack {NPM_SPEC}` failed ({reason[-1] if reason else 'no output'}); "
                f"{hint}") from None
        archive = next(Path(scratch).glob("*.tgz"))
        with tarfile.open(archive) as tar:
            safe_extract(tar, Path(scratch))
        target = folder / "package"
        if target.exists():
            shutil.rmtree(target)
        os.replace(Path(scratch) / "package", target)


def safe_extract(tar: tarfile.TarFile, folder: Path) -> None:
    """Extract only plain files and folders that stay inside ``folder``."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(folder, filter="data")
        return
    root = folder.resolve()
    for member in tar.getmembers():
        inside = (folder / member.name).resolve().is_relative_to(root)
        if not inside or not (member.isfile() or member.isdir()):
            raise HtmlManagerUnavailable(f"unexpected entry {member.name!r} in the npm package")
    tar.extractall(folder)
