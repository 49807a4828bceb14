"""Preview: every template × locale × sample data set as an HTML page (pages.py), written as a
static site (gallery.py, `tmplkit gallery`) or served fresh on each load (server.py, `tmplkit
preview`)."""
