"""Load one stage's section of ``params.yaml``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DEFAULT_PARAMS_PATH = Path("params.yaml")


class ParamsError(ValueError):
    """A params file is missing, malformed, or lacks a required key."""


def load_params(path: str | Path = DEFAULT_PARAMS_PATH) -> dict[str, Any]:
    """Read a whole params file as a dict."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(
            f"params file not found: {path}; run from the repository root or pass --params"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ParamsError(f"invalid YAML in {path}: {error}") from error
    if not isinstance(data, dict):
        raise ParamsError(
            f"{path} must contain a mapping of stage sections, got {type(data).__name__}"
        )
    return data


def load_section(section: str, path: str | Path = DEFAULT_PARAMS_PATH) -> dict[str, Any]:
    """Return ``params[section]`` merged over the optional top-level ``common`` section."""
    data = load_params(path)
    if section not in data:
        raise ParamsError(
            f"section '{section}' not found in {path}; expected one of {sorted(data)}"
        )
    merged = dict(data.get("common") or {})
    merged.update(data[section] or {})
    return merged


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``override`` applied recursively; lists and scalars are replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def require(params: dict[str, Any], key: str, section: str) -> Any:
    """Return ``params[key]`` or raise a ParamsError naming the section and key."""
    if key not in params:
        raise ParamsError(f"params.yaml: '{section}.{key}' is required but missing")
    return params[key]
