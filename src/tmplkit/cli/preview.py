"""`tmplkit gallery`: every message as a static site; `tmplkit preview`: the same, served."""

from __future__ import annotations

import contextlib
import sys

import click

from ..errors import TmplkitError
from .common import Context, F, json_option, listen_options, pass_ctx, print_json
from .server import listen


@click.command("gallery")
@click.argument("source", required=False)
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="The directory to write the site into (replaced as a whole).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace DIR even if it is not empty and not a previous gallery.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Then open every page in headless Chromium at 600 and 375 px and report layout "
    "problems, one line each (exit 1 if any).",
)
@click.option(
    "--screenshots",
    is_flag=True,
    help="With --check: write a PNG per page and width beside each page.",
)
@json_option
@pass_ctx
def gallery_command(
    obj: Context,
    source: str | None,
    output: str,
    force: bool,
    check: bool,
    screenshots: bool,
    as_json: bool,
) -> None:
    """Write every template × locale as a page of a static site, with an index.

    \b
    Each page shows the subject, the HTML part at 600 and 375 px, the text part,
    each channel part (SMS encoding and segments), the translations that fell
    back, and the template's and draft's ids; a template that does not render
    shows its error. Locales: the source locale, the project's, and the
    pseudo-locales qps-ploc and qps-plocm. SOURCE (a template id or slug path)
    limits the site to one template.

    \b
    With --check, every page is then opened in headless Chromium at 600 and 375 px:
    each layout problem is a line (template, locale, width, the element's CSS
    path, by how many px), and the exit status 1.

    \b
    Examples:
      tmplkit gallery -o site
      tmplkit gallery -o site acme-shop/account/password-reset --json
      tmplkit gallery -o site --check --screenshots
    """
    from ..preview.gallery import Progress, build_gallery

    if screenshots and not check:
        raise TmplkitError("--screenshots needs --check (the browser check takes them)")
    with Progress.on_terminal() as progress:
        report = build_gallery(obj.project, output, source, force=force, progress=progress)
    problems: list[str] = []
    if check:
        from ..preview.check import check_site

        problems = [str(p) for p in check_site(report.directory, screenshots=screenshots)]
    if as_json:
        print_json({**report.to_json(), **({"problems": problems} if check else {})})
    else:
        click.echo(
            f"{output}: {len(report.pages)} pages ({len(report.missing)} with missing "
            f"translations, {len(report.errors)} errors); open {output}/index.html"
        )
        for line in problems:
            click.echo(line)
        if check:
            click.echo(f"layout check: {len(problems)} problems")
    for page in report.errors:
        click.echo(f"error: {page.path}: {page.error}", err=True)
    if report.errors or problems:
        sys.exit(1)


def preview_listen_options(fn: F) -> F:
    """--host and --port, on preview's own default port (serve has 8787)."""
    return listen_options(fn, port=8788)


@click.command("preview")
@click.argument("source", required=False)
@preview_listen_options
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Listen on an address other than loopback. The preview has no API key and shows "
    "every template with its sample data, so anyone who can reach the address sees them.",
)
@click.option(
    "--no-reload",
    is_flag=True,
    help="Leave out the script that reloads an open page when a file changes.",
)
@pass_ctx
def preview_command(
    obj: Context, source: str | None, host: str, port: int, allow_remote: bool, no_reload: bool
) -> None:
    """Serve every template × locale as a page, built from the files on each load.

    \b
    The pages are those of `tmplkit gallery`; a change to a source, a block, a
    catalog or the sample data shows on the next load (an open page reloads
    itself), and a template that does not render shows its error while the
    others are served. SOURCE (a template id or slug path) limits it to one
    template. Read-only, without an API key: loopback only, unless
    --allow-remote. Ctrl-C stops.

    \b
    Examples:
      tmplkit preview
      tmplkit preview acme-shop/orders/order-confirmation --port 0
    """
    from ..preview.pages import entries
    from ..preview.server import is_loopback

    if not allow_remote and not is_loopback(host):
        raise TmplkitError(
            f"{host} is not a loopback address: the preview has no API key",
            hint="pass --allow-remote to serve it to other machines",
        )
    project = obj.project
    if source is not None:
        entries(project, source)  # a SOURCE that does not resolve: one error line, no server
    sock = listen(host, port)
    try:
        # Imported once the port is ours: Starlette and uvicorn are this command's alone.
        import uvicorn

        from ..preview.server import create_app
        from ..server.transport import config

        app = create_app(project, source, reload=not no_reload)
        server = uvicorn.Server(config(app, log_level="warning"))
        address = f"[{host}]" if ":" in host else host
        click.echo(
            f"previewing {project.root.name} on http://{address}:{sock.getsockname()[1]}/ "
            "(Ctrl-C stops)",
            err=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    finally:
        sock.close()
    if not server.started:
        raise TmplkitError("the server did not start (its log above says why)")
    click.echo("stopped", err=True)
