"""Finding scenarios: the installed ones by name, a user's by file path."""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import pkgutil
import sys
from pathlib import Path

from scenarios.framework import Scenario


class ScenarioError(ValueError):
    """A scenario name or file could not be turned into a scenario."""


def installed() -> list[Scenario]:
    """Every scenario module in this package (a module that defines SCENARIO)."""
    import scenarios

    found = []
    for info in sorted(pkgutil.iter_modules(scenarios.__path__), key=lambda m: m.name):
        if info.ispkg:
            continue
        module = importlib.import_module(f"scenarios.{info.name}")
        scenario = getattr(module, "SCENARIO", None)
        if isinstance(scenario, Scenario):
            found.append(scenario)
    return found


def load(name_or_path: str) -> Scenario:
    """An installed scenario by name, or one from a ``.py`` file."""
    if name_or_path.endswith(".py") or "/" in name_or_path:
        return load_file(Path(name_or_path))
    for scenario in installed():
        if scenario.name == name_or_path:
            return scenario
    names = [s.name for s in installed()]
    close = difflib.get_close_matches(name_or_path, names, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ScenarioError(
        f"unknown scenario {name_or_path!r}{hint}: use one of {', '.join(names)}, or a path to a .py file"
    )


def load_file(path: Path) -> Scenario:
    """Import a user's scenario file and return its SCENARIO."""
    if path.is_dir():
        raise ScenarioError(f"scenario file {str(path)!r} is a folder: give the path of a .py file")
    if not path.is_file():
        raise ScenarioError(f"scenario file {str(path)!r} does not exist")
    module_name = f"observatory_user_scenario_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ScenarioError(f"scenario file {str(path)!r} cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise ScenarioError(f"scenario file {str(path)!r} failed to import: {error}") from error
    scenario = getattr(module, "SCENARIO", None)
    if not isinstance(scenario, Scenario):
        raise ScenarioError(
            f"scenario file {str(path)!r} defines no scenario: it needs a module-level "
            "SCENARIO = Scenario(name=..., description=..., params=..., build=...)"
        )
    return scenario
