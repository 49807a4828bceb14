"""The `tmplkit` root group and `main()`, the entry point; each command loads when first used.

The root group's commands are named here with the module that defines each, and that module
is imported when the command is looked up: `tmplkit --version` imports none of them, `tmplkit
render` only build.py, and `tmplkit --help` all of them, which import no more of the library
at the top than the store (a command imports what it runs inside its function).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping, Sequence
from typing import NoReturn

import click

from .. import __version__
from ..errors import TmplkitError
from .common import Context

PACKAGE = __name__.rpartition(".")[0]

# name -> "module:attribute" in this package; --help lists them in name order, as click does.
COMMANDS = {
    "init": "project:init",
    "workspace": "project:workspace",
    "folder": "project:folder",
    "template": "project:template",
    "draft": "project:draft",
    "block": "project:block",
    "layout": "layouts:layout",
    "render": "build:render",
    "render-batch": "build:render_batch_command",
    "compile": "build:compile_command",
    "variables": "build:variables_command",
    "sms-report": "build:sms_report",
    "targets": "build:targets_command",
    "lint": "lint:lint_command",
    "i18n": "i18n:i18n",
    "localization": "i18n:localization",
    "locale": "locales:locale_group",
    "send": "handoff:send_command",
    "send-batch": "handoff:send_batch_command",
    "handoff": "handoff:handoff_group",
    "serve": "server:serve_command",
    "apikey": "server:apikey_group",
    "sync": "sync:sync_group",
    "gallery": "preview:gallery_command",
    "preview": "preview:preview_command",
}


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name, each imported from its module when first looked up;
    listing the names (`sorted(group.commands)`, a misspelt command's suggestions) imports
    nothing."""

    def __init__(self, where: dict[str, str]) -> None:
        self._items: dict[str, click.Command | str] = dict(where)

    def __getitem__(self, name: str) -> click.Command:
        item = self._items[name]
        if not isinstance(item, str):
            return item
        module, attribute = item.split(":")
        command: click.Command = getattr(importlib.import_module(f"{PACKAGE}.{module}"), attribute)
        self._items[name] = command
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._items[name] = command

    def __delitem__(self, name: str) -> None:
        del self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


@click.group(
    commands=LazyCommands(COMMANDS),
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  tmplkit init my-templates
  tmplkit template list
  tmplkit render acme-shop/orders/order-confirmation --format text
  tmplkit compile tem_01m2n5d9rf9y9x6nmxjjscqfn0 --target jinja -o order.html.j2

The project is --project DIR, else $TMPLKIT_PROJECT, else the nearest tmplkit.toml
above the current folder (like git).""",
)
@click.option(
    "--project",
    "project_dir",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="The project directory (default: $TMPLKIT_PROJECT or found upwards).",
)
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
@click.version_option(__version__, "--version", prog_name="tmplkit")
@click.pass_context
def cli(ctx: click.Context, project_dir: str | None, debug: bool) -> None:
    """Message templates and their translations: manage, localize, compile, render."""
    ctx.obj = Context(project_dir, debug)


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI: one `error: …` line and exit 1 on bad input; a traceback only with --debug."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="tmplkit", standalone_mode=False)
    except click.exceptions.Abort:
        fail("aborted", 1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if debug:
            raise
        exc.show()
        sys.exit(exc.exit_code)
    except TmplkitError as exc:
        if debug:
            raise
        fail(str(exc), exc.exit_code)
    except OSError as exc:
        if debug:
            raise
        fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 1)
    except KeyboardInterrupt:
        fail("interrupted", 130)
