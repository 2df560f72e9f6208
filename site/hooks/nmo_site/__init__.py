"""Catalog site generation used by the MkDocs hook: sources, safe text, search stems, pages, sitemap."""
