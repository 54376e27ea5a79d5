"""One registry of panels: the package, the CLI, the embed-page and screenshot scripts agree."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path

import pytest

import bpwidgets
import bpwidgets.panels
from bpwidgets import cli
from bpwidgets.panel_registry import ALL_PANELS, PANELS, PANELS_NEEDING_ARGUMENTS, panel_class
from bpwidgets.panels.base import Panel

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def load_script(name: str):
    """Import scripts/<name>.py as a module (they are not a package)."""
    spec = importlib.util.spec_from_file_location(f"script_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_panel_class_in_the_package_is_registered_under_its_module():
    found = {}
    for info in pkgutil.iter_modules(bpwidgets.panels.__path__):
        module = importlib.import_module(f"bpwidgets.panels.{info.name}")
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Panel) and cls is not Panel and cls.__module__ == module.__name__:
                found[info.name] = cls_name
    assert found == ALL_PANELS
    assert not set(PANELS) & set(PANELS_NEEDING_ARGUMENTS)


@pytest.mark.parametrize("name", list(ALL_PANELS))
def test_the_package_and_the_panels_package_export_each_registered_class(name):
    cls = panel_class(name)
    assert cls.__name__ == ALL_PANELS[name]
    assert getattr(bpwidgets, cls.__name__) is cls
    assert getattr(bpwidgets.panels, cls.__name__) is cls
    assert cls.__name__ in bpwidgets.__all__ and cls.__name__ in bpwidgets.panels.__all__


def test_the_packages_export_no_other_panel():
    panel_names = {n for n in bpwidgets.__all__ if n.endswith("Panel")}
    assert panel_names == set(ALL_PANELS.values()) == set(bpwidgets.panels.__all__)


@pytest.mark.parametrize("name", list(PANELS_NEEDING_ARGUMENTS))
def test_panels_kept_off_the_command_line_really_need_an_argument(name):
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        panel_class(name)()


def test_the_export_command_offers_exactly_the_registered_panels(capsys):
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    usage = capsys.readouterr().out
    assert "{" + ",".join(sorted(PANELS)) + "}" in usage
    with pytest.raises(ValueError, match="panel must be one of 'chain_rule'"):
        panel_class("chain")


def test_the_embed_page_script_has_a_page_for_every_registered_panel():
    script = load_script("build_embed_pages")
    pages = script.all_pages()
    assert list(pages)[: len(PANELS)] == list(PANELS)
    for name in PANELS:
        assert type(pages[name]["make"]()).__name__ == PANELS[name]


def test_the_screenshot_script_shows_every_registered_panel():
    pytest.importorskip("playwright")
    script = load_script("screenshots")
    assert set(script.PANEL_CELLS) == set(PANELS)
    for name, code in script.PANEL_CELLS.items():
        assert PANELS[name] in code
    assert script.screenshot_name("loss_surface") == "loss-surface-panel.png"
