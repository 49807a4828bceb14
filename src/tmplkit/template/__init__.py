"""Template source → IR: scan.py (the tags), limits.py, parse.py and expressions.py (the
conversion), ir.py (the nodes every later stage shares)."""

from . import ir as ir
