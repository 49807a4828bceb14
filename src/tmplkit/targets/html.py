"""The html target: static HTML, the template rendered at compile time with the sample data.

For previews, and for senders without a template language: there is nothing left to
substitute. The emitter renders the part through the reference itself (the jinja target in
`tmplkit.targets.jinja.environment`), with the data it is given (`tmplkit compile` passes the
template's sample.json) or with no data at all, so every value prints as missing.
"""

from __future__ import annotations

import jinja2

from ..errors import RenderError
from ..i18n.formats import FormatError
from ..template import ir
from .base import Emitter
from .jinja import JinjaEmitter, shared_environment


class HtmlEmitter(Emitter):
    name = "html"
    summary = (
        "static HTML: the part rendered at compile time with the sample data "
        "(sample.json, or no data), through the reference renderer"
    )
    helpers = None

    def emit(self, body: ir.Body) -> str:
        jinja = JinjaEmitter(html=self.html, file=self.file)
        jinja.locale = self.locale
        source = jinja.emit(body)
        data = dict(self.data) if self.data is not None else {}
        try:
            return shared_environment(self.html).from_string(source).render(data)
        except FormatError as exc:  # a value the sample data gives that no format reads
            raise RenderError(
                f"{self.file}: cannot render with the sample data: {exc.message}", hint=exc.hint
            ) from None
        except jinja2.TemplateError as exc:
            raise RenderError(f"{self.file}: cannot render with the sample data: {exc}") from None
        except (TypeError, ValueError) as exc:  # e.g. a loop over a number in the data
            raise RenderError(f"{self.file}: cannot render with the sample data: {exc}") from None
