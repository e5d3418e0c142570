"""A small streaming xlsx writer for big, plain tables (the survey export): inline strings, numbers, a bold
header style, nothing else. openpyxl's write-only mode builds an element per cell and costs ~0.2 ms a cell
on these machines (without lxml); 700 responses × 30 questions took seconds. This writes each row as one
string (docs/adr/0044); openpyxl still reads the result (the tests do)."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{MAIN}">'
          '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
          '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
# Characters XML 1.0 cannot carry (input refuses control characters; this is the last guard).
INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


COLUMNS = [column(i) for i in range(702)]  # A … ZZ


class Sheet:
    def __init__(self, title: str):
        self.title = title[:31]
        self.parts: list[str] = []
        self.rows = 0

    def append(self, values: list, *, bold: bool = False) -> None:
        self.rows += 1
        r = self.rows
        style = ' s="1"' if bold else ""
        cells = []
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = f"{COLUMNS[i]}{r}"
            if isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"{style}><v>{int(value)}</v></c>')
            elif isinstance(value, int | float | Decimal):
                cells.append(f'<c r="{ref}"{style}><v>{value}</v></c>')
            else:
                text = escape(INVALID.sub("", str(value)))
                cells.append(f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">{text}</t></is></c>')
        self.parts.append(f'<row r="{r}">{"".join(cells)}</row>')

    def xml(self) -> str:
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">'
                f'<sheetData>{"".join(self.parts)}</sheetData></worksheet>')


class Book:
    def __init__(self):
        self.sheets: list[Sheet] = []

    def sheet(self, title: str) -> Sheet:
        sheet = Sheet(title)
        self.sheets.append(sheet)
        return sheet

    def save(self) -> bytes:
        n = len(self.sheets)
        types = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
                        for i in range(1, n + 1))
        content_types = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{types}</Types>")
        root_rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}">'
                     f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        sheets = "".join(f'<sheet name="{escape(s.title)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, s in enumerate(self.sheets, start=1))
        workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" '
                    f'xmlns:r="{REL}"><sheets>{sheets}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, n + 1))
        rels += f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/>'
        workbook_rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}">'
                         f"{rels}</Relationships>")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr("[Content_Types].xml", content_types)
            archive.writestr("_rels/.rels", root_rels)
            archive.writestr("xl/workbook.xml", workbook)
            archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
            archive.writestr("xl/styles.xml", STYLES)
            for i, sheet in enumerate(self.sheets, start=1):
                archive.writestr(f"xl/worksheets/sheet{i}.xml", sheet.xml())
        return buffer.getvalue()
