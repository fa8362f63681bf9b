"""The HTML page shell: inline style and a CSP that lets nothing load from outside the file."""

from __future__ import annotations

import html

# Nothing may leave the page: no scripts, fonts or remote images; only inline styles and data: images.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 75em; color: #222; padding: 0 1em;
       overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; margin: 1em 0; }
.scroll > table { margin: 0; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; overflow-wrap: normal; }
td code { overflow-wrap: anywhere; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #444; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ci { color: #777; font-size: 0.85em; }
img { max-width: 100%; height: auto; display: block; }
.context { color: #555; font-size: 0.9em; }
.target { font-weight: bold; }
details { margin: 0.5em 0; }
code, pre { font-size: 0.85em; background: #f5f5f5; }
pre { padding: 0.5em; overflow-x: auto; }
@media (max-width: 40em) { body { margin: 1em auto; padding: 0 0.5em; } }
"""


def scroll(table: str) -> str:
    """A table in its own horizontal scroll box: a wide one scrolls there, never the whole page."""
    return f'<div class="scroll">{table}</div>'


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
