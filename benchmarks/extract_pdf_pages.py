"""`rpa extract` on multi-page PDFs against raw pdfplumber `extract_tables` on the same files.

    .venv/bin/python benchmarks/extract_pdf_pages.py              # 16 PDFs, median of 15 rounds
    .venv/bin/python benchmarks/extract_pdf_pages.py --rounds 5 --branches 60

The files: branch summaries (分行汇总日报) drawn by tests/pdf_variants.py, one table of
`--branches` branches continued over pages of 12 rows, in every combination of ruled or
borderless, header repeated or not, totals row first or last, and with or without a title and
page number on the continuation pages: 16 PDFs.
  raw      pdfplumber: open each PDF and `page.extract_tables()` on every page: what any reader
           that keeps the table's cells must do, and no more
  extract  `rpa extract`'s code path in this process: extract_file(path, spec) for every file
           (pages joined by column positions, header and labels, figures in 元 with provenance,
           the totals check); the spec is loaded once beforehand, as a run's worker does
Each round the two take turns file by file (extract_pdf.interleaved); the figure is the ratio of
the CPU medians, also per layout (ruled / borderless), since a borderless page costs the raw
reader nothing beyond finding no lines while the extraction must still read its words.
Not a test: it prints figures; benchmarks/README.md records them.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's code, not an installed copy's

import pdfplumber  # noqa: E402
from extract_pdf import TARGET_RATIO, Files, interleaved, machine, summarise  # noqa: E402

from flows.report_extraction import ExtractionSpec, extract_file, load_spec  # noqa: E402
from tests.pdf_variants import PdfStyle, random_summary, summary_pdf  # noqa: E402

SPEC_NAME = "summary_daily"
SEED = 20261127


def write_pdfs(folder: Path, branches: int) -> Files:
    """Every layout of one table, each with its spec name."""
    table = random_summary(seed=SEED, branches=branches)
    files: Files = []
    for ruled, repeat, first, furniture in itertools.product((True, False), repeat=4):
        style = PdfStyle(ruled=ruled, repeat_header=repeat, totals_first=first, rows_per_page=12,
                         continuation_title=furniture, footer=furniture)
        path = folder / f"{style.name()}.pdf"
        path.write_bytes(summary_pdf(table, style))
        files.append((path, SPEC_NAME))
    return files


def raw_extract_tables(files: Files) -> None:
    for path, _ in files:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_tables()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (the median is kept)")
    parser.add_argument("--branches", type=int, default=35, help="rows of the table (3 pages at 35)")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    spec = load_spec(SPEC_NAME, ROOT / "config" / "specs")
    if "known_branches" in ExtractionSpec.model_fields:  # specs that check codes against the bank's list
        table = random_summary(seed=SEED, branches=args.branches)
        spec = spec.model_copy(update={"known_branches": {code: f"第{code}网点" for code in table.rows}})

    def ours(some: Files) -> None:
        for path, _ in some:
            extraction = extract_file(path, spec)
            if len(extraction.figures) != (args.branches + 1) * 9 or not extraction.ok:
                raise RuntimeError(f"{path.name}: {len(extraction.figures)} figures, "
                                   f"checks ok {extraction.ok}")

    with tempfile.TemporaryDirectory(prefix="rpa-bench-pages-") as folder:
        files = write_pdfs(Path(folder), args.branches)
        with pdfplumber.open(files[0][0]) as pdf:
            pages = len(pdf.pages)
        runs: dict[str, Callable[[Files], None]] = {"raw": raw_extract_tables, "extract": ours}
        for run in runs.values():
            run(files)  # warm up: imports, caches; and every file is read right
        timings = interleaved(runs, files, args.rounds)
    print(f"{len(files)} PDFs of {pages} pages, {args.branches} branches and a totals row each")
    summarise(timings, len(files), args.rounds)
    for layout in ("ruled", "borderless"):
        indexes = [i for i, (path, _) in enumerate(files) if path.name.startswith(layout + "-")]
        cpu = {name: statistics.median(sum(r[i][0] for i in indexes) for r in rows)
               for name, rows in timings.items()}
        ratio = cpu["extract"] / cpu["raw"]
        print(f"  {layout:10} {len(indexes)} PDFs: raw {cpu['raw']:.3f} s, "
              f"extract {cpu['extract']:.3f} s CPU, ratio {ratio:.3f} "
              f"({'met' if ratio <= TARGET_RATIO else 'MISSED'} {TARGET_RATIO})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
