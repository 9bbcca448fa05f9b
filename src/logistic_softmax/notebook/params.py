"""Notebook parameters: the schema read from the typed, commented ``parameters`` cell, and validation.

A parameters cell holds only lines of the form::

    name: type = literal   # one line of help  [lo, hi]

``type`` is one of ``int``, ``float``, ``str``, ``bool``, ``list``, ``list[int]``, ``list[float]``, ``list[str]``,
optionally ``| None``. The comment is the help text; an interval at its end (``[0, 1]``, ``(0, 1)``, ``[1, inf)``)
is the allowed range, checked for numbers and for every element of a numeric list. A set at its end
(``{a, b, c}``) lists the allowed values.

Values are checked here as Python values: a notebook's own namespace (:func:`validate_in_notebook`), or what
:mod:`logistic_softmax.runner.inputs` reads from the command line and from parameters files, by the same rule as
the parameters cell (Python literals).
"""

from __future__ import annotations

import ast
import io
import json
import math
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..paths import notebooks_dir

__all__ = ["Parameter", "Schema", "schema_from_source", "read_schema", "validate_in_notebook", "python_literal"]

_BASE_TYPES = {"int": int, "float": float, "str": str, "bool": bool}
_ELEMENT_TYPES = {"list": None, "list[int]": int, "list[float]": float, "list[str]": str}
_INTERVAL = re.compile(r"\s*([\[(])\s*([^,\[\]()]+?)\s*,\s*([^,\[\]()]+?)\s*([\])])\s*$")
_CHOICES = re.compile(r"\s*\{([^{}]*)\}\s*$")


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
        what = {"int": "an integer", "float": "a number", "str": "a string", "bool": "True or False"}.get(
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
    def check(self, value: Any) -> Any:
        """Return the Python value ``value`` converted to the declared type, or raise :class:`ParameterError`."""
        if value is None:
            if self.optional:
                return None
            raise self._error(value)
        if self.base in _ELEMENT_TYPES:
            if not isinstance(value, (list, tuple)):
                raise self._error(value)
            etype = _ELEMENT_TYPES[self.base]
            out = [self._scalar(v, etype) if etype else v for v in value]
            for v in out:
                self._in_range(v, whole=value)
            return out
        out = self._scalar(value, _BASE_TYPES[self.base])
        self._in_range(out)
        return out

    def _scalar(self, value: Any, typ: type) -> Any:
        if typ is str:
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise self._error(value)
            return str(value)
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

    def validate(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return every parameter's value (defaults updated by ``overrides``), each checked and converted."""
        overrides = dict(overrides or {})
        for name in overrides:
            if name not in self.names:
                raise self.unknown(name)
        values = {}
        for p in self.parameters:
            if p.name in overrides:
                values[p.name] = p.check(overrides[p.name])
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
            choices = tuple(python_literal(f"[{c.group(1)}]"))
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


def python_literal(text: str) -> Any:
    """The value ``text`` means in Python source: a number, a string, ``True``/``False``/``None``, or a list or tuple
    of them; a bare word (a name Python would look up) is taken as that word, a string. Raises ``ValueError`` with
    Python's own reason when the text is not such a value (``010``: leading zeros are not allowed)."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ValueError(exc.msg) from None

    def value(node) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, (ast.List, ast.Tuple)):
            return [value(e) for e in node.elts]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = value(node.operand)
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner if isinstance(node.op, ast.USub) else inner
        raise ValueError(f"{ast.unparse(node)!r} is not a literal value (quote a text that is meant as one)")

    return value(tree)


def validate_in_notebook(notebook: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Check the parameter values a notebook holds against its own declared schema, and the data they name; return
    them as a dict.

    Called from the cell after the parameters cell, so a reader who edits values by hand in Jupyter gets the same
    checks as the runner (:func:`logistic_softmax.notebook.preflight.preflight`).
    """
    from .preflight import preflight

    schema = read_schema(notebooks_dir() / f"{notebook}.ipynb")
    values = schema.validate({name: namespace[name] for name in schema.names if name in namespace})
    preflight(values)
    return values
