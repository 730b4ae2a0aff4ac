"""Two ruled tables side by side on a PDF page (tester BH, 2026-12-07): a 上日数 table with the
label column beside a 本日数 table of the same column titles without it. The PDF is drawn here by
hand with reportlab; nothing comes from the platform's generator."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"


def test_a_second_ruled_table_with_the_same_column_titles_refuses_the_pdf(tmp_path: Path) -> None:
    """Tester BH F1, F2 (2026-12-07): a 上日数 table with the 项目 column beside a 本日数 table of the
    same titles (本日 | 较上日 | 较年初) without it: the second was dropped without a word, and the
    day before's figures read as the day's (a whole run, exit 0). Which one to read cannot be told."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    from rpa.errors import DuplicateHeader
    from tests.hand_reports import HEADING, ROWS

    path = tmp_path / "two.pdf"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    width, height = landscape(A4)
    canvas = Canvas(str(path), pagesize=(width, height))
    canvas.setFont("STSong-Light", 10)
    for index, text in enumerate(HEADING):
        canvas.drawString(40, height - 40 - 18 * index, text)
    top = height - 120
    tables = ([40, 160, 230, 300, 370], [420, 490, 560, 630])  # 上日数 with 项目, 本日数 without
    header = ("项目", "本日", "较上日", "较年初")
    rows = [header, *((r[0], *(str(v) for v in r[1:])) for r in ROWS)]
    for columns, skip in zip(tables, (0, 1), strict=True):
        for index, row in enumerate(rows):
            for x, text in zip(columns, row[skip:], strict=False):
                canvas.drawString(x + 4, top - 20 * index - 14, text)
        bottom = top - 20 * len(rows)
        for index in range(len(rows) + 1):
            canvas.line(columns[0], top - 20 * index, columns[-1], top - 20 * index)
        for x in columns:
            canvas.line(x, top, x, bottom)
    canvas.showPage()
    canvas.save()
    with pytest.raises(DuplicateHeader) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "另有一张表也印着列标题“本日”" in str(caught.value) and "第1页" in str(caught.value)
