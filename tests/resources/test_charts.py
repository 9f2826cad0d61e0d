"""The map classes: equal counts, and equal values never split into two classes."""

from __future__ import annotations

from joinedup.resources.charts import class_of, legend, quantile_breaks


def test_ten_values_make_five_classes_of_two():
    values = [float(v) for v in range(1, 11)]
    breaks = quantile_breaks(values)
    assert breaks == [2.0, 4.0, 6.0, 8.0, 10.0]
    assert [class_of(v, breaks) for v in values] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert legend(breaks, lambda v: f"£{v:.0f}") == [
        "up to £2", "£2 to £4", "£4 to £6", "£6 to £8", "£8 to £10"]


def test_values_equal_to_the_penny_are_one_class():
    values = [337.6100001, 337.6099998, 337.61, None]
    assert quantile_breaks(values) == [337.61]
    assert [class_of(None if v is None else round(v, 2), [337.61]) for v in values] == [
        0, 0, 0, None]
