"""HTML to PDF with WeasyPrint, and nothing else: what the render pool's spawned processes import.

No Django here: a spawned process imports only this module (and the empty
package ``__init__`` files), so starting one costs WeasyPrint's import alone.
"""

from __future__ import annotations


def html_to_pdf(html: str, base_url: str) -> bytes:
    import logging

    from weasyprint import HTML

    # WeasyPrint logs each layout step at INFO: thousands of lines for an annual report.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    return HTML(string=html, base_url=base_url).write_pdf()
