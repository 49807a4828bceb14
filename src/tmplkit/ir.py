"""`tmplkit.ir`, the name docs/library.md gives the IR nodes: the module tmplkit.template.ir.

One module under both names, not a copy of its names: importing tmplkit.ir gives the module
object tmplkit.template.ir (Python lets a module replace itself in sys.modules), so
`ir.__name__` and every node class are the same wherever the IR is imported from.
"""

from __future__ import annotations

import sys

from .template import ir
from .template.ir import *  # noqa: F403  (the names, for type checkers)

sys.modules[__name__] = ir
