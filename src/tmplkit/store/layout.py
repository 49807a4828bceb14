"""The layout of a project directory: the names of its files, and the part files of a draft
and of a block."""

from __future__ import annotations

PROJECT_FILE = "tmplkit.toml"
STATE_DIR = ".tmplkit"
FOLDER_FILE = "folder.toml"
TEMPLATE_FILE = "template.toml"
DRAFT_FILE = "draft.toml"
BLOCK_FILE = "block.toml"
SAMPLE_DATA_FILE = "sample.json"

# Draft parts: part name -> file name in the draft directory. The channel parts are plain
# text for the other channels a message may go out on (an SMS, a push notification, a chat
# message), localized like the rest.
CHANNEL_PARTS = {"sms": "sms.txt.j2", "push": "push.txt.j2", "chat": "chat.txt.j2"}
# "mjml": the HTML part written in MJML instead (mjml.py), compiled to the "html" part.
PARTS = {
    "subject": "subject.j2",
    "html": "body.html.j2",
    "mjml": "body.mjml.j2",
    "text": "body.txt.j2",
    **CHANNEL_PARTS,
}
BLOCK_PARTS = {"html": "block.html.j2", "text": "block.txt.j2"}
LAYOUT_FILE = "layout.toml"
LAYOUT_PARTS = {"html": "layout.html.j2", "text": "layout.txt.j2"}

NEW_DRAFT_PARTS = {
    "subject": "{% trans %}Subject{% endtrans %}\n",
    "html": (
        "<!DOCTYPE html>\n<html>\n<body>\n"
        "<p>{% trans %}Hello!{% endtrans %}</p>\n</body>\n</html>\n"
    ),
}
NEW_BLOCK_PARTS = {"html": "<p>{% trans %}Block text{% endtrans %}</p>\n"}

TXN_DIR = "txn"  # in .tmplkit/: the staging record and the intents of transactions
