"""Input files written by hand for the bad-input tests: a small xlsx built from its XML parts
(shared strings and styles, as Excel writes them), a UTF-8 export CSV, and their corruptions.

Nothing here calls the project's own fixture generators: the rows below are typed from the
export layout in DOMAIN.md (序号, 业务类型, 账号, ...), the XML from the OOXML parts Excel writes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from xml.sax.saxutils import escape

HEADER = [
    "序号",
    "业务类型",
    "账号",
    "账户性质",
    "开户日期",
    "单位名称",
    "存款人类别",
    "统一社会信用代码",
    "法定代表人类别",
    "法定代表人姓名",
    "证件种类",
    "证件号码",
    "注册地址",
    "注册资本（万元）",
    "经营范围",
    "开户行机构代码",
    "基本存款账户编号",
    "变更事项",
    "撤销原因",
    "通知日期",
    "经办柜员",
    "备注",
]
ROWS = [
    [
        "1",
        "开户",
        "6217001230004567012",
        "一般存款账户",
        "2026-11-25",
        "上海浦江精密仪器有限公司",
        "01",
        "91310115MA1H8XYZ3K",
        "法定代表人",
        "王建国",
        "居民身份证",
        "310115198203154417",
        "上海市浦东新区张江路88号",
        "500",
        "仪器仪表制造",
        "313290000017",
        "J2900012345601",
        "",
        "",
        "",
        "410021",
        "",
    ],
    [
        "2",
        "开户",
        "6217001230004567020",
        "临时存款账户",
        "2026-11-26",
        "苏州河畔文化传播有限公司",
        "01",
        "91310106MA1K2ABC7P",
        "法定代表人",
        "李秀英",
        "居民身份证",
        "320502197711020326",
        "上海市静安区江宁路200号",
        "100",
        "文化艺术交流策划",
        "313290000017",
        "J2900012345602",
        "",
        "",
        "",
        "410022",
        "",
    ],
]

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/>'
    '<Relationship Id="rId3" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def xlsx_parts(rows: list[list[str]] | None = None, sheet: str = "开户明细") -> dict[str, bytes]:
    """The parts of a workbook with one sheet, every cell a shared string in style 1 (text)."""
    table = [HEADER, *ROWS] if rows is None else rows
    strings: list[str] = []
    index: dict[str, int] = {}
    xml_rows = []
    for r, row in enumerate(table, start=1):
        cells = []
        for c, value in enumerate(row):
            if value == "":
                continue
            if value not in index:
                index[value] = len(strings)
                strings.append(value)
            cells.append(f'<c r="{_column(c)}{r}" s="1" t="s"><v>{index[value]}</v></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(xml_rows)}</sheetData></worksheet>"
    )
    shared = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        + "</sst>"
    )
    return {
        "[Content_Types].xml": CONTENT_TYPES.encode(),
        "_rels/.rels": ROOT_RELS.encode(),
        "xl/workbook.xml": WORKBOOK.format(name=escape(sheet)).encode(),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.encode(),
        "xl/styles.xml": STYLES.encode(),
        "xl/sharedStrings.xml": shared.encode(),
        "xl/worksheets/sheet1.xml": sheet_xml.encode(),
    }


def zip_parts(parts: dict[str, bytes], *, stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def good_xlsx() -> bytes:
    return zip_parts(xlsx_parts())


def edited_xlsx(part: str, edit: Callable[[bytes], bytes]) -> bytes:
    """The good workbook with one part changed."""
    parts = xlsx_parts()
    parts[part] = edit(parts[part])
    return zip_parts(parts)


def corrupt_deflate(data: bytes, member: str = "xl/worksheets/sheet1.xml", *, fill: int = 0,
                    length: int = 40) -> bytes:
    """Overwrite `length` of one member's compressed bytes with `fill` from a third in (the zip
    directory stays intact)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw = bytearray(data)
    middle = start + info.compress_size // 3
    raw[middle : middle + length] = bytes([fill]) * length
    return bytes(raw)


def good_csv(encoding: str = "utf-8") -> bytes:
    lines = [",".join(HEADER), *(",".join(row) for row in ROWS)]
    return ("\n".join(lines) + "\n").encode(encoding)


def csv_with_row(cells: list[str]) -> bytes:
    """The good CSV with one more line of `cells` under its rows."""
    return good_csv() + (",".join(cells) + "\n").encode("utf-8")


def shifted_row() -> list[str]:
    """The first row with an unquoted comma inside its 注册地址: every value after it one column on."""
    row = list(ROWS[0])
    address = HEADER.index("注册地址") if "注册地址" in HEADER else len(row) // 2
    return [*row[:address], "北京市朝阳区", "建国路88号", *row[address + 1:]]


OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")


def ole_container(*, encrypted: bool) -> bytes:
    """An Office compound file's first bytes; an encrypted xlsx names its EncryptionInfo stream."""
    body = bytearray(4096)
    if encrypted:
        name = "EncryptionInfo".encode("utf-16-le")
        body[1024 : 1024 + len(name)] = name
    return OLE_SIGNATURE + bytes(body)


def pdf_with_text(text: str = "网点经营日报", *, password: str | None = None) -> bytes:
    """A one-page PDF from reportlab, optionally encrypted with a user password."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=password) if password else canvas.Canvas(buffer)
    pdf.drawString(72, 720, text.encode("ascii", "replace").decode())
    pdf.save()
    return buffer.getvalue()


def pdf_pages(count: int) -> bytes:
    """A PDF of `count` pages, each with one line of text."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for number in range(1, count + 1):
        pdf.drawString(72, 720, f"page {number}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def dense_grid_pdf(columns: int = 160, rows: int = 120) -> bytes:
    """A one-page PDF of about 3 KB whose ruling lines cross into columns x rows cells: finding
    its table takes pdfplumber about 14 s of CPU for 160 x 120 (0.7 s for 80 x 58)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 800, "dense page")
    for k in range(columns):
        pdf.line(20 + 560 * k / columns, 20, 20 + 560 * k / columns, 790)
    for j in range(rows):
        pdf.line(20, 20 + 770 * j / rows, 580, 20 + 770 * j / rows)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
