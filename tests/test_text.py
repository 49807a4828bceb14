"""text.py: the first plain-text derivation of an HTML part."""

from __future__ import annotations

from tmplkit.text import html_to_text


def test_blocks_links_lists_tables_images() -> None:
    html = """<!DOCTYPE html><html><head><title>T</title><style>p { color: red }</style></head>
<body><span class="preheader" style="display:none">Preview
  text</span>
<table role="presentation"><tr><td><img src="logo.png" alt="Acme"></td></tr></table>
<h1>Thanks,
   Ann!</h1>
<p>Your <a href="https://x.example/o/1">order</a> and
<a href="https://x.example/help">https://x.example/help</a>.<br>Line two</p>
<ul><li>One</li><li>Two</li></ul>
<table><tr><th>Item</th><th>Qty</th></tr><tr><td>Mug</td><td>2</td></tr></table>
<p><a href="mailto:help@x.example">Write to us</a></p>
<script>alert(1)</script>
</body></html>"""
    assert html_to_text(html) == (
        "Preview text\n\nAcme\n\nThanks, Ann!\n\n"
        "Your order (https://x.example/o/1) and https://x.example/help.\nLine two\n\n"
        "- One\n\n- Two\n\nItem Qty\n\nMug 2\n\nWrite to us (help@x.example)\n"
    )


def test_empty_html_gives_empty_text() -> None:
    assert html_to_text("  \n") == ""
