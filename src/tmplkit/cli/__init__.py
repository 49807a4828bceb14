"""The `tmplkit` command line: parse arguments, call the library, print. No business logic here.

One module per command group; they import common.py (and handoff.py imports receiver.py):

- common.py: the Context the root group hands down, the options several commands share, output;
- root.py: the root group, `main()` (the entry point, `tmplkit.cli:main`) and --version; it
  imports each command's module when the command is first looked up;
- project.py: init, workspace, folder, template, draft (and its workflow), block;
- build.py: render, render-batch, compile, variables, sms-report, targets;
- i18n.py: i18n (catalogs) and localization (a draft's languages);
- handoff.py: send, send-batch, and the handoff group (schedule, journal);
- receiver.py: handoff receive.
"""

from .root import cli, main

__all__ = ["cli", "main"]
