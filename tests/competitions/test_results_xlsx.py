"""results.xlsx is print-ready: scores are numbers with two decimals, times real datetimes in
Asia/Shanghai, landscape, one page wide, header rows repeated on every printed page."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from competitions.models import Mark


def test_results_xlsx_numbers_times_and_print_layout(kit):
    for n, entry in enumerate(kit.entries):
        kit.complete(entry, judgement_values=[2, 2, 3, 2, 1], measurement=str(Decimal("17.25") - n))
    response = kit.client(kit.chief).get(f"competitions/{kit.contest.id}/results.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    results, marks = book["成绩"], book["评分明细"]
    header_row = next(r for r in results.iter_rows() if r[0].value == "名次")[0].row
    rows = [r for r in results.iter_rows(min_row=header_row + 1) if isinstance(r[0].value, int)]
    assert len(rows) == 4
    board_totals = {r["code"]: r["total"] for r in kit.client(kit.chief).get(
        f"competitions/{kit.contest.id}/jury-board").json()["events"][0]["rows"]}
    for row in rows:
        total = row[3]
        assert total.data_type == "n" and isinstance(total.value, (int, float)) and total.number_format == "0.00"
        # the exact two-place figure of the board, as a number
        assert Decimal(str(total.value)).quantize(Decimal("0.01")) == Decimal(board_totals[row[1].value])
        for section in row[4:6]:
            assert section.data_type == "n" and section.number_format == "0.00"
    # a figure with a third decimal in its exact value (e.g. 80/3) is stored rounded to its shown 2 places
    assert all(round(r[3].value, 2) == r[3].value for r in rows)

    values = list(marks.iter_rows(min_row=2))
    assert len(values) == Mark.objects.count()
    stored = {m.created_at for m in Mark.objects.all()}
    shanghai = {m.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, microsecond=0) for m in stored}
    for row in values:
        value, when = row[7], row[12]
        assert value.data_type == "n" and isinstance(value.value, (int, float)) and value.number_format == "0.00"
        assert isinstance(when.value, datetime) and when.value.tzinfo is None
        assert when.is_date and when.number_format == "yyyy-mm-dd hh:mm:ss"
        assert when.value.replace(microsecond=0) in shanghai
    assert any(r[7].value == 17.25 for r in values)

    for ws, titles in ((results, f"$1:${header_row}"), (marks, "$1:$1")):
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == titles
