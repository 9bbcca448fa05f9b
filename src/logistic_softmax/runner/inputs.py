"""Parameter values from the command line and from parameters and grid files, read as the parameters cell reads them.

**The rule.** A value means what the same text means in the notebook's parameters cell, which is Python: ``10``,
``0.5``, ``1e6``, ``-3``, ``True``, ``None``, ``[3, 5]``, ``'text'``; a bare word (``yes``, ``spector``, or the
items of ``[x1, x2]``) is taken as that word. A text parameter takes the text as written (one pair of surrounding
quotes removed; a bare ``None`` is ``None`` where the parameter allows it). Text that Python would not read as a
value is refused with a message naming the parameter (``010``: leading zeros), and so is a value of the wrong type
(``true`` is a word, not ``True``; ``1,000`` is the pair ``(1, 0)``). In a parameters or grid file (YAML), every
unquoted scalar is read by the same rule, and a quoted one is a string: ``010``, ``yes`` and ``on`` are never turned
into other things.

:func:`format_value` writes a value back in that notation, so that what a run's label, the index, a sweep page or a
printed command shows can be typed again.
"""

from __future__ import annotations

import keyword
import math
import shlex
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..notebook.params import Parameter, Schema, python_literal

__all__ = [
    "read_value",
    "parse_assignments",
    "read_yaml_file",
    "yaml_problem",
    "from_yaml",
    "load_params_file",
    "format_value",
]


def _unquote(text: str) -> str:
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    return t


def read_value(text: str, p: Parameter) -> Any:
    """The Python value the text ``text`` gives parameter ``p`` (see the module docstring), checked by ``p``."""
    if p.base == "str":
        if p.optional and text.strip() == "None":
            return None
        return p.check(_unquote(text))
    return p.check(_literal(text, p))


def parse_assignments(text: str, schema: Schema) -> dict[str, Any]:
    """Parse ``"x=2 b1=3 digits=[4,9]"`` into checked values of the declared types."""
    try:
        words = shlex.split(text or "")
    except ValueError as exc:
        raise ParameterError(f"cannot split the parameter text {text!r}: {exc}") from None
    raw: dict[str, str] = {}
    for w in words:
        name, sep, value = w.partition("=")
        if not sep or not name:
            raise ParameterError(f"expected name=value, got {w!r}; valid parameters: {', '.join(schema.names)}")
        if name in raw:
            raise ParameterError(f"parameter '{name}' is given twice")
        raw[name] = value
    for name in raw:
        if name not in schema.names:
            raise schema.unknown(name)
    return {name: read_value(value, schema[name]) for name, value in raw.items()}


class _Plain(str):
    """An unquoted YAML scalar, kept as its text to be read by the rule of this module."""


def _loader():
    import yaml

    class Loader(yaml.SafeLoader):
        """YAML with no implicit types: every unquoted scalar stays text (``010``, ``yes``, ``on`` included)."""

    Loader.yaml_implicit_resolvers = {}

    def scalar(loader, node):
        text = loader.construct_scalar(node)
        return _Plain(text) if node.style is None else str(text)

    Loader.add_constructor("tag:yaml.org,2002:str", scalar)
    return Loader


def yaml_problem(exc: Exception) -> str:
    """A YAML error in one line: where (1-based line and column) and what."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark is not None else problem


def read_yaml_file(path: Path, what: str) -> Any:
    """The content of a YAML file, unquoted scalars kept as text; a missing file or invalid YAML is a
    :class:`ParameterError` naming ``what``."""
    import yaml

    if not path.is_file():
        raise ParameterError(f"{what} {path}: no such file")
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_loader())  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise ParameterError(f"{what} {path}: not valid YAML ({yaml_problem(exc)})") from None


def _literal(text: str, p: Parameter) -> Any:
    try:
        return python_literal(text)
    except ValueError as exc:
        raise ParameterError(
            f"parameter '{p.name}': cannot read {text!r} as {p.expected()} (as Python reads it: {exc})"
        ) from None


def from_yaml(data: Any, p: Parameter) -> Any:
    """A checked value of ``p`` from what :func:`read_yaml_file` gave: unquoted text by the rule of this module
    (a text parameter, or a list of texts, takes its words as written), quoted text as a string, lists item by item."""
    if isinstance(data, _Plain):
        return p.check(str(data)) if p.base == "str" else read_value(str(data), p)
    if isinstance(data, list):
        as_text = p.base == "list[str]"
        return p.check([(str(x) if as_text else _literal(x, p)) if isinstance(x, _Plain) else x for x in data])
    return p.check(data)


def load_params_file(path: str | Path, schema: Schema) -> dict[str, Any]:
    """Read a YAML mapping of parameter values and check each against ``schema``."""
    path = Path(path)
    data = read_yaml_file(path, "parameters file")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParameterError(f"parameters file {path}: expected a mapping of name: value, got {type(data).__name__}")
    for name in data:
        if not isinstance(name, str) or name not in schema.names:
            raise ParameterError(f"parameters file {path}: {schema.unknown(str(name))}")
    try:
        return {name: from_yaml(value, schema[name]) for name, value in data.items()}
    except (ParameterError, ValueError) as exc:
        raise ParameterError(f"parameters file {path}: {exc}") from None


def format_value(v: Any, *, short: bool = False) -> str:
    """``v`` as it would be typed, so that it reads back as the same value: Python notation, with a plain text
    unquoted (``spector``, ``my.csv``) and a list item unquoted only where it is a bare word (``[yes, no]``, but
    ``['010', 'a b']``); ``short`` rounds floats to 4 digits and cuts long texts, for tables."""
    text = _formatted(v, short=short, item=False)
    return text if not short or len(text) <= 60 else text[:57] + "..."


def _formatted(v: Any, *, short: bool, item: bool) -> str:
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, float):
        if short:
            return f"{v:.4g}"
        return repr(v) if math.isfinite(v) else str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_formatted(x, short=short, item=True) for x in v) + "]"
    if isinstance(v, str):
        if item:
            bare = v.isidentifier() and not keyword.iskeyword(v)
        else:
            bare = bool(v) and v not in ("None", "True", "False") and all(c.isalnum() or c in "_.-/" for c in v)
        return v if bare else repr(v)
    return str(v)
