"""How long does a choropleth page take? The 126 Gateshead LSOAs, one client.

A fresh demo partnership on SQLite (or ``--database-url``). One client (Django's test
client, anonymous, so through every middleware, the view, the template and the chart
renderer) asks for each answer in turn, round by round, side by side:

- **the LSOA map page** (``/indicators/il-08/map/?level=lsoa``): residents aged 65 and over
  in all 126 LSOAs, classed by quantiles, with its legend and the table of 126 rows; the
  map's SVG comes from the chart cache after the first round, as on a running site;
- **the same page, drawn afresh**: the chart cache emptied before each request, so every
  round reads the figures, classes them and draws the map with vl-convert;
- **the LSOA map in the API** (``/api/areas/maps/il-08?level=lsoa``), as GeoJSON;
- **the peer**: the area page of Gateshead (``/areas/E08000037/``), whose existing map
  draws the same district's areas by IMD decile, in the same rounds;
- **vl-convert alone**, drawing the same map specification to SVG, with no database, no
  classing and no page.

Goal: the LSOA map page at most 300 ms (p95, warm), single client. Medians and p95 go to
bench/RESULTS.md.

    python bench/choropleth.py [--rounds 60] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import demo_partnership, write_section  # noqa: E402

GOAL_MS = 300.0
WARM_UP = 3
MAP_PAGE = "/indicators/il-08/map/?level=lsoa"
PAGES = [
    ("the LSOA map page (map from the chart cache)", MAP_PAGE, False),
    ("the LSOA map page, drawn afresh (chart cache emptied)", MAP_PAGE, True),
    ("the LSOA map in the API (GeoJSON)", "/api/areas/maps/il-08?level=lsoa", False),
    ("peer: the area page of Gateshead, with its map", "/areas/E08000037/", False),
]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    demo_partnership("map-bench", options.database_url)
    import vl_convert
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from joinedup.common.charts import BASE_CONFIG, VEGA_LITE_SCHEMA, warm_up
    from joinedup.places import choropleth
    from joinedup.returns.models import DataValue
    from joinedup.strategy.models import Indicator

    warm_up()
    client = Client(HTTP_HOST="127.0.0.1")
    indicator = Indicator.objects.select_related("outcome__theme__strategy__area").get(
        code="IL 08")
    drawn = choropleth.build(indicator, DataValue.objects.filter(indicator=indicator,
                                                                 state="approved"),
                             level="lsoa")
    spec = {"$schema": VEGA_LITE_SCHEMA, **drawn.spec(), "config": BASE_CONFIG}
    times: dict[str, list[float]] = {label: [] for label, _, _ in PAGES}
    times["peer: vl-convert alone, the same map to SVG"] = []
    for round_ in range(WARM_UP + options.rounds):
        for label, path, fresh in PAGES:
            if fresh:
                cache.clear()
            started = time.perf_counter()
            answer = client.get(path)
            spent = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise SystemExit(f"{path}: HTTP {answer.status_code}")
            if round_ >= WARM_UP:
                times[label].append(spent)
        started = time.perf_counter()
        vl_convert.vegalite_to_svg(spec)
        if round_ >= WARM_UP:
            times["peer: vl-convert alone, the same map to SVG"].append(
                (time.perf_counter() - started) * 1000)

    database = connection.vendor
    rows = ["| Answer | Median (ms) | p95 (ms) |", "|---|---:|---:|"]
    for label, spent in times.items():
        rows.append(f"| {label} | {statistics.median(spent):.1f} | {p95(spent):.1f} |")
    warm = p95(times[PAGES[0][0]])
    verdict = "met" if warm <= GOAL_MS else "missed"
    body = "\n".join([
        f"`python bench/choropleth.py --rounds {options.rounds}"
        f"{' --database-url …' if options.database_url else ''}`: {database}, "
        f"{options.rounds} rounds after {WARM_UP} to warm up, one client (Django's test "
        f"client, anonymous), Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs.",
        "",
        *rows,
        "",
        f"Goal: the LSOA map page at most {GOAL_MS:.0f} ms at p95 with the map cached: "
        f"{verdict} ({warm:.1f} ms). Drawn afresh, the page costs about what vl-convert "
        "alone costs to draw the same 126 boundaries, plus the page itself.",
    ])
    write_section(f"Choropleth of the 126 Gateshead LSOAs ({database})", body)
    print(body)


if __name__ == "__main__":
    main()
