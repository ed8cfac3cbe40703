"""donations.charts: inline SVG that parses, escapes its labels, carries its figures in words, runs no script."""

from xml.etree import ElementTree

from django.utils import translation

from donations import charts
from donations.money import Money
from donations.public_ledger import MonthRow

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))  # noqa: S314 -- markup we just built, not untrusted input


def assert_no_script(root: ElementTree.Element) -> None:
    for element in root.iter():
        assert not element.tag.endswith("script")
        assert not any(name.lower().startswith("on") for name in element.attrib), element.attrib
        assert "javascript:" not in " ".join(element.attrib.values())


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def month(key: str, net: int, aid: int) -> MonthRow:
    return MonthRow(month=key, gross_sales=eur(net), donations=eur(0), net_proceeds=eur(net),
                    aid_disbursed=eur(aid), orders=1)


def test_bar_chart_is_accessible_svg_that_escapes_labels():
    markup = charts.bar_chart(
        [("Medicine", eur(173450)), charts.Bar('<script>alert("x")</script> & co', eur(65000)),
         ("Merged", eur(38850), True)],
        title="Aid <by> category",
    )
    root = parse(markup)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 400 ")
    assert root.find(f"{SVG}title").text == "Aid <by> category"
    description = root.find(f"{SVG}desc").text
    assert "Medicine: €1,734.50" in description and "Merged: €388.50" in description
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert '<script>alert("x")</script> & co' in texts  # shown as text, never as markup
    assert "<script" not in str(markup)
    assert_no_script(root)
    # The largest amount sets the scale; a merged cell is drawn grey.
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == max(widths) and widths[1] < widths[0]
    assert [rect.get("fill") for rect in root.iter(f"{SVG}rect")][2] == charts.MERGED_COLOUR


def test_bar_chart_speaks_the_readers_language():
    with translation.override("uk"):
        root = parse(charts.bar_chart([("Ліки", eur(173450))], title="Допомога"))
    assert "1\xa0734,50\xa0EUR" in root.find(f"{SVG}desc").text


def test_empty_charts_say_so():
    root = parse(charts.bar_chart([], title="Aid", empty_text="No aid has been published yet."))
    assert [element.text for element in root.iter(f"{SVG}text")] == ["No aid has been published yet."]
    assert parse(charts.monthly_chart([], title="Months")).find(f"{SVG}title").text == "Months"


def test_monthly_chart_draws_two_columns_a_month_and_handles_a_negative_month():
    months = [month("2025-01", 250_000, 0), month("2025-02", -4_000, 120_000), month("2025-03", 90_000, 60_000)]
    root = parse(charts.monthly_chart(months, title="Net proceeds and aid disbursed"))
    assert_no_script(root)
    columns = [rect for rect in root.iter(f"{SVG}rect") if rect.get("width") != "14"]  # legend swatches are 14
    assert len(columns) == 6
    description = root.find(f"{SVG}desc").text
    assert "Feb 2025: Net proceeds -€40.00, Aid disbursed €1,200.00" in description
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert {"Jan", "Feb", "Mar", "2025", "Net proceeds", "Aid disbursed"} <= set(texts)
    assert "0" in texts and "3,000" in texts  # the axis: whole euros, a round step


def test_nice_step_is_round_and_covers_the_largest_value():
    assert charts.nice_step(250_000) == 100_000  # €2,500 → steps of €1,000
    assert charts.nice_step(99) == 100
    assert charts.nice_step(1_234_567_89) == 50_000_000
    for largest in (1, 150, 999_999, 10**9):
        step = charts.nice_step(largest)
        assert step * 4 >= largest
        assert str(step // 100).lstrip("125").strip("0") == ""
