"""Cells a spreadsheet will not run: text that would start a formula is neutralised.

Excel, LibreOffice and Google Sheets treat a CSV cell beginning with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return as a formula (CSV injection: an owner named
``=HYPERLINK(...)`` runs when the file is opened). Following OWASP's advice, such a
text cell is written with a leading apostrophe, which spreadsheets show as text and
hide. Numbers are written as numbers, so a negative amount is untouched.
"""

from __future__ import annotations

__all__ = ["FORMULA_START", "safe_cell"]

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """*text*, with an apostrophe in front when it would start a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text
