"""Notebook parameters: the schema read from the typed, commented ``parameters`` cell, and validation.

A parameters cell holds only lines of the form::

    name: type = literal   # one line of help  [lo, hi]

``type`` is one of ``int``, ``float``, ``str``, ``bool``, ``list``, ``list[int]``, ``list[float]``, ``list[str]``,
optionally ``| None``. The comment is the help text; an interval at its end (``[0, 1]``, ``(0, 1)``, ``[1, inf)``)
is the allowed range, checked for numbers and for every element of a numeric list. A set at its end
(``{a, b, c}``) lists the allowed values.

Values arrive as text (``make report P='x=2'``), from a YAML file, or from a notebook's own namespace; all are checked
against the declared type and range before any kernel starts.
"""

from __future__ import annotations

import ast
import io
import json
import math
import re
import shlex
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ParameterError",
    "Parameter",
    "Schema",
    "read_schema",
    "parse_assignments",
    "load_params_file",
    "validate_in_notebook",
]

_BASE_TYPES = {"int": int, "float": float, "str": str, "bool": bool}
_ELEMENT_TYPES = {"list": None, "list[int]": int, "list[float]": float, "list[str]": str}
_INTERVAL = re.compile(r"\s*([\[(])\s*([^,\[\]()]+?)\s*,\s*([^,\[\]()]+?)\s*([\])])\s*$")
_CHOICES = re.compile(r"\s*\{([^{}]*)\}\s*$")


class ParameterError(ValueError):
    """A parameter, its value or a parameters file is not what the notebook declares."""


def _number(text: str) -> float:
    t = text.strip().lower()
    if t in ("inf", "+inf"):
        return math.inf
    if t == "-inf":
        return -math.inf
    return float(t)


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of a notebook."""

    name: str
    type: str
    default: Any
    help: str = ""
    low: float | None = None
    high: float | None = None
    low_closed: bool = True
    high_closed: bool = True
    choices: tuple | None = None

    @property
    def optional(self) -> bool:
        return self.type.endswith("| None")

    @property
    def base(self) -> str:
        return self.type.removesuffix("| None").strip()

    def range_text(self) -> str:
        if self.choices is not None:
            return "{" + ", ".join(str(c) for c in self.choices) + "}"
        if self.low is None:
            return ""
        lo = "[" if self.low_closed else "("
        hi = "]" if self.high_closed else ")"
        return f"{lo}{_fmt(self.low)}, {_fmt(self.high)}{hi}"

    def expected(self) -> str:
        r = self.range_text()
        if self.choices is not None:
            return f"one of {r}"
        what = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false"}.get(
            self.base, f"a {self.base}"
        )
        if self.base.startswith("list"):
            what = f"a list such as [1, 2] ({self.base})"
        if r:
            what += f" in {r}"
        if self.optional:
            what += " or None"
        return what

    # -- checking -------------------------------------------------------------------------------------------
    def check(self, value: Any, *, from_text: bool = False) -> Any:
        """Return ``value`` converted to the declared type, or raise :class:`ParameterError`."""
        if value is None or (from_text and isinstance(value, str) and value.strip().lower() in ("none", "null")):
            if self.optional:
                return None
            raise self._error(value)
        if self.base in _ELEMENT_TYPES:
            if from_text and isinstance(value, str):
                value = _yaml_value(value, self)
            if not isinstance(value, (list, tuple)):
                raise self._error(value)
            etype = _ELEMENT_TYPES[self.base]
            out = [self._scalar(v, etype, from_text=False) if etype else v for v in value]
            for v in out:
                self._in_range(v, whole=value)
            return out
        out = self._scalar(value, _BASE_TYPES[self.base], from_text=from_text)
        self._in_range(out)
        return out

    def _scalar(self, value: Any, typ: type, *, from_text: bool) -> Any:
        if typ is str:
            if from_text and isinstance(value, str):
                return _unquote(value)
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise self._error(value)
            return str(value)
        if from_text and isinstance(value, str):
            text, value = value, _yaml_value(value, self)
            if typ in (int, float) and isinstance(value, str):
                value = _python_number(text, value)  # YAML 1.1 reads 1e6 as a string
        if typ is bool:
            if isinstance(value, bool):
                return value
            raise self._error(value)
        if isinstance(value, bool):
            raise self._error(value)
        if typ is int:
            if isinstance(value, int):
                return int(value)
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise self._error(value)
        if isinstance(value, (int, float)):
            value = float(value)
            if not math.isfinite(value):
                raise ParameterError(f"parameter '{self.name}': expected a finite number, got {value!r}")
            return value
        raise self._error(value)

    def _in_range(self, v: Any, whole: Any = None) -> None:
        shown = v if whole is None else f"{whole!r} (element {v!r})"
        if self.choices is not None and v not in self.choices:
            raise ParameterError(f"parameter '{self.name}': expected {self.expected()}, got {shown}")
        if self.low is None or not isinstance(v, (int, float)) or isinstance(v, bool):
            return
        ok_low = v >= self.low if self.low_closed else v > self.low
        ok_high = v <= self.high if self.high_closed else v < self.high
        if not (ok_low and ok_high):
            raise ParameterError(f"parameter '{self.name}': expected {self.expected()}, got {shown}")

    def _error(self, value: Any) -> ParameterError:
        return ParameterError(
            f"parameter '{self.name}': expected {self.expected()}, got {value!r} ({type(value).__name__})"
        )


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(x)


def _python_number(text: str, fallback: Any) -> Any:
    try:
        return float(text.strip())
    except ValueError:
        return fallback


def _unquote(text: str) -> str:
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    return t


def _yaml_value(text: str, p: Parameter) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParameterError(f"parameter '{p.name}': cannot read {text!r} as {p.expected()}: {exc}") from None


@dataclass(frozen=True)
class Schema:
    """The parameters a notebook declares, in the order of its ``parameters`` cell."""

    notebook: str
    parameters: tuple[Parameter, ...]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    def __getitem__(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise self.unknown(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.parameters}

    def unknown(self, name: str) -> ParameterError:
        return ParameterError(
            f"unknown parameter '{name}' for notebook {self.notebook}; valid parameters: {', '.join(self.names)}"
        )

    def validate(self, overrides: dict[str, Any] | None = None, *, from_text: bool = False) -> dict[str, Any]:
        """Return every parameter's value (defaults updated by ``overrides``), each checked and converted."""
        overrides = dict(overrides or {})
        for name in overrides:
            if name not in self.names:
                raise self.unknown(name)
        values = {}
        for p in self.parameters:
            if p.name in overrides:
                values[p.name] = p.check(overrides[p.name], from_text=from_text)
            else:
                values[p.name] = p.check(p.default)
        return values

    def overrides_of(self, values: dict[str, Any]) -> dict[str, Any]:
        """The entries of ``values`` that differ from the declared defaults."""
        defaults = self.validate()
        return {k: v for k, v in values.items() if defaults.get(k) != v}

    def table(self) -> str:
        """A plain-text table of name, type, default, range and help."""
        rows = [("name", "type", "default", "range", "help")]
        rows += [(p.name, p.type, repr(p.default), p.range_text(), p.help) for p in self.parameters]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = []
        for r in rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4])
        return "\n".join(lines)


def _parse_comment(comment: str) -> tuple[str, dict]:
    text = comment.lstrip("#").strip()
    extra: dict = {}
    m = _INTERVAL.search(text)
    if m:
        try:
            lo, hi = _number(m.group(2)), _number(m.group(3))
        except ValueError:
            m = None
        else:
            extra = dict(low=lo, high=hi, low_closed=m.group(1) == "[", high_closed=m.group(4) == "]")
            text = text[: m.start()].rstrip()
    if not m:
        c = _CHOICES.search(text)
        if c:
            choices = tuple(yaml.safe_load(f"[{c.group(1)}]"))
            extra = dict(choices=choices)
            text = text[: c.start()].rstrip()
    return text, extra


def schema_from_source(source: str, notebook: str = "<cell>") -> Schema:
    """Build a :class:`Schema` from the source of a parameters cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{notebook}: the parameters cell is not valid Python: {exc}") from None
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string
    params = []
    for node in tree.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None):
            raise ParameterError(
                f"{notebook}: line {node.lineno} of the parameters cell is not 'name: type = literal  # help'"
            )
        typ = ast.unparse(node.annotation)
        base = typ.removesuffix("| None").strip()
        if base not in _BASE_TYPES and base not in _ELEMENT_TYPES:
            raise ParameterError(f"{notebook}: parameter '{node.target.id}' has unsupported type '{typ}'")
        try:
            default = ast.literal_eval(node.value)
        except ValueError:
            raise ParameterError(
                f"{notebook}: parameter '{node.target.id}' must have a literal default, got '{ast.unparse(node.value)}'"
            ) from None
        help_text, extra = _parse_comment(comments.get(node.lineno, ""))
        p = Parameter(node.target.id, typ, default, help_text, **extra)
        p.check(default)  # a notebook whose own default is invalid is a bug in the notebook
        params.append(p)
    return Schema(notebook, tuple(params))


def read_schema(path: str | Path) -> Schema:
    """Read the schema from the cell tagged ``parameters`` of the notebook at ``path``.

    The notebook's JSON is read directly (nbformat 4: ``cells``, each with ``metadata.tags`` and ``source`` as a
    string or a list of lines): loading nbformat for this would cost every kernel a second.
    """
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"] if nb.get("nbformat") == 4 else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError, KeyError, TypeError) as exc:
        raise ParameterError(f"{path}: not a readable Jupyter notebook ({type(exc).__name__}: {exc})") from None
    if not isinstance(cells, list):
        raise ParameterError(f"{path}: expected a Jupyter notebook in format 4, got format {nb.get('nbformat')!r}")
    tagged = [c for c in cells if "parameters" in (c.get("metadata") or {}).get("tags", [])]
    if len(tagged) != 1:
        raise ParameterError(f"{path}: expected exactly one cell tagged 'parameters', found {len(tagged)}")
    source = tagged[0].get("source", "")
    return schema_from_source(source if isinstance(source, str) else "".join(source), path.stem)


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
    return {name: schema[name].check(value, from_text=True) for name, value in raw.items()}


def yaml_problem(exc: Exception) -> str:
    """A YAML error in one line: where (1-based line and column) and what."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark is not None else problem


def read_yaml_file(path: Path, what: str) -> Any:
    """The content of a YAML file; a missing file or invalid YAML is a :class:`ParameterError` naming ``what``."""
    if not path.is_file():
        raise ParameterError(f"{what} {path}: no such file")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParameterError(f"{what} {path}: not valid YAML ({yaml_problem(exc)})") from None


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
        return {name: schema[name].check(value) for name, value in data.items()}
    except ParameterError as exc:
        raise ParameterError(f"parameters file {path}: {exc}") from None


#: The project's source tree: the package is installed from it (``pip install -e``), with notebooks/ and reports/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def notebooks_dir() -> Path:
    """The project's ``notebooks/`` folder."""
    return PROJECT_ROOT / "notebooks"


def validate_in_notebook(notebook: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Check the parameter values a notebook holds against its own declared schema; return them as a dict.

    Called from the cell after the parameters cell, so a reader who edits values by hand in Jupyter gets the same
    checks as the runner.
    """
    schema = read_schema(notebooks_dir() / f"{notebook}.ipynb")
    return schema.validate({name: namespace[name] for name in schema.names if name in namespace})
