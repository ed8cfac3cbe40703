"""``manage.py render_report --period 2026-10 --lang uk --output report.pdf``: render one report to a file.

Publishes nothing and stores nothing: a finance volunteer's preview, or a
check of the layout. Publication goes through the finance workspace.
"""

from django.core.management.base import BaseCommand, CommandError

from donations.reports.periods import PeriodError
from donations.reports.prepublication import check_report
from donations.reports.render import RenderError, render_report


class Command(BaseCommand):
    help = "Render the PDF report of a period (2026-10, 2026Q3 or 2026) in one language to a file, unpublished."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="A month (2026-10), a quarter (2026Q3) or a year (2026).")
        parser.add_argument("--lang", required=True, choices=["uk", "en"])
        parser.add_argument("--output", required=True, help="Where to write the PDF.")
        parser.add_argument("--check", action="store_true", help="Also run the pre-publication check.")

    def handle(self, *args, period: str, lang: str, output: str, check: bool, **options):
        def progress(percent: int, text: str) -> None:
            if options["verbosity"] > 1:
                self.stderr.write(f"{percent:3d}% {text}")

        try:
            rendered = render_report(period, lang, progress=progress)
        except (PeriodError, RenderError) as exc:
            raise CommandError(str(exc)) from exc
        with open(output, "wb") as handle:
            handle.write(rendered.pdf)
        self.stdout.write(
            f"Wrote {output}: {rendered.pages} pages, {rendered.size} bytes, SHA-256 {rendered.sha256}, "
            f"checkpoint {rendered.checkpoint.tree_size} {rendered.checkpoint.root_hash}"
        )
        if check:
            result = check_report(
                pdf=rendered.pdf, period=rendered.period, checkpoint=rendered.checkpoint, language=lang
            )
            if not result.ok:
                raise CommandError("The pre-publication check refuses it: " + "; ".join(result.failures))
            self.stdout.write("The pre-publication check passes.")
