"""Localization: locales, plural rules, catalogs (PO/JSON), extraction, pseudo-locales."""
