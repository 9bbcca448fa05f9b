"""Every piece of HTML the project writes comes from a Jinja2 template in ``templates/``: the claims and banners a
notebook displays (``notebook/``), the report page (``report/``, through nbconvert), the index and the sweep pages.
Autoescaping is on: nothing from a run or a user's data becomes markup. A leaf module: it imports nothing of the
project."""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["TEMPLATES", "render_page", "render_snippet"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.cache
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_page(template: str, **values) -> str:
    """``templates/<template>`` rendered with ``values``."""
    return _environment().get_template(template).render(**values)


def render_snippet(template: str, **values) -> str:
    """Like :func:`render_page`, without the final newline: HTML that goes inside a notebook's output."""
    return render_page(template, **values).rstrip("\n")
