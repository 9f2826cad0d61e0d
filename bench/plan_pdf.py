"""How long does a delivery plan take to write out as a PDF (and as Word)? Timed against
WeasyPrint alone.

A fresh demo partnership on SQLite (or ``--database-url``). Each of the demo's delivery
plans is written out, round by round, side by side:

- **the export**: ``reports.plan_export.write(plan, "pdf", …)`` as ``joinedup plan ID
  --format pdf`` runs it: the plan, its answers, options, challenge and actions read from
  the database; the forecast chart of each of its indicators drawn with vl-convert (the
  chart cache is emptied first, so every round draws them); the resources grid summed from
  the budget lines; the document rendered and printed by WeasyPrint;
- **the peer**: WeasyPrint alone printing the same HTML (captured from the export) to PDF,
  with no database, no charts to draw and no template;
- **Word**: the same plan as ``.docx`` (python-docx, each chart drawn to PNG), timed alone
  for the record.

WeasyPrint and the chart renderer are started before the first round, as a server that
has printed before would have them. Goal: a plan's PDF, charts and all, in at most 5 s.
Medians go to bench/RESULTS.md.

    python bench/plan_pdf.py [--rounds 5] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import demo_partnership, write_section  # noqa: E402

GOAL_S = 5.0


def pages(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True).stdout
    return next((int(line.split()[-1]) for line in info.splitlines()
                 if line.startswith("Pages:")), 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    folder = demo_partnership("plan-bench", options.database_url)
    from django.core.cache import cache
    from django.db import connection

    from joinedup.common.charts import warm_up
    from joinedup.partnership.people import PartnershipView
    from joinedup.reports import formats, plan_export
    from joinedup.risks.plan_facts import indicators_of
    from joinedup.strategy.delivery import DeliveryPlan

    viewer = PartnershipView()
    printed: list[str] = []
    real_print = formats.print_pdf

    def keep_html(html: str) -> bytes:
        printed.append(html)
        return real_print(html)

    formats.print_pdf = keep_html
    warm_up()
    rows = []
    for plan in DeliveryPlan.objects.order_by("pk"):
        pdf = plan_export.write(plan, "pdf", viewer)  # starts WeasyPrint; not timed
        html = printed[-1]
        exports, peers, words = [], [], []
        for _ in range(options.rounds):
            cache.clear()
            started = time.perf_counter()
            pdf = plan_export.write(plan, "pdf", viewer)
            exports.append(time.perf_counter() - started)
            started = time.perf_counter()
            real_print(html)
            peers.append(time.perf_counter() - started)
            cache.clear()
            started = time.perf_counter()
            plan_export.write(plan, "docx", viewer)
            words.append(time.perf_counter() - started)
        rows.append({"plan": plan, "charts": len(indicators_of(plan)), "pages": pages(pdf),
                     "size": len(pdf), "export": statistics.median(exports),
                     "slowest": max(exports), "peer": statistics.median(peers),
                     "docx": statistics.median(words)})
    formats.print_pdf = real_print
    largest = max(rows, key=lambda r: (r["charts"], r["pages"]))["plan"]
    command = command_times(largest, options.rounds, folder)
    text = report(options, connection.vendor, rows) + command_line(largest, command)
    print(text)
    write_section(f"Delivery plan as PDF ({connection.vendor})", text)


def command_times(plan, rounds: int, folder: str) -> list[float]:
    """``joinedup plan ID --format pdf`` as a user runs it: a new process each time, which
    starts Python, Django, the chart renderer and WeasyPrint before it writes the file."""
    joinedup = Path(sys.executable).with_name("joinedup")
    times = []
    for number in range(rounds):
        out = Path(folder) / f"plan-{number}.pdf"
        started = time.perf_counter()
        subprocess.run([str(joinedup), "plan", str(plan.pk), "--format", "pdf", "--out",
                        str(out)], check=True, capture_output=True, env=os.environ.copy())
        times.append(time.perf_counter() - started)
    return times


def command_line(plan, times: list[float]) -> str:
    median = statistics.median(times)
    return (f"\n\nThe command end to end, `joinedup plan {plan.pk} --format pdf --out FILE` "
            f"for “{plan.title}”, a new process each round (starting Python, Django, the chart "
            f"renderer and WeasyPrint, then writing the file): median {median:.2f} s, slowest "
            f"{max(times):.2f} s over {len(times)} rounds; goal ≤ {GOAL_S:.0f} s "
            f"**{'met' if median <= GOAL_S else 'not met'}**.")


def report(options, engine: str, rows: list[dict]) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} "
        f"cores, {engine}; {options.rounds} rounds per plan, the export and the peer side "
        f"by side, medians. 1-minute load average at the end: {os.getloadavg()[0]:.1f}. "
        f"Goal: a plan's PDF in at most {GOAL_S:.0f} s.",
        "",
        "| plan | state | forecast charts | pages | PDF, KB | PDF export, median s | "
        "slowest s | peer: WeasyPrint alone, s | ratio | Word export, s | goal |",
        "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        met = r["export"] <= GOAL_S
        lines.append(
            f"| {r['plan'].title} | {r['plan'].get_state_display().lower()} | {r['charts']} | "
            f"{r['pages']} | {r['size'] / 1e3:.0f} | {r['export']:.2f} | {r['slowest']:.2f} | "
            f"{r['peer']:.2f} | {r['export'] / r['peer']:.2f} | {r['docx']:.2f} | "
            f"**{'met' if met else 'not met'}** |")
    lines += [
        "",
        "The export reads the plan with its answers, options, challenge comments and actions, "
        "draws the forecast chart of each of its indicators with vl-convert (the chart cache "
        "is emptied before each round), sums its resources grid from the budget lines, "
        "renders the document from its template and prints it with WeasyPrint. It does not "
        "refresh the generated stages (opening the plan's page does that) and keeps no copy. "
        "The peer is WeasyPrint alone printing the very HTML the export printed. The Word "
        "export draws the same charts to PNG and writes the same headings, text and tables "
        "with python-docx. Neither side starts WeasyPrint or the chart renderer (both were "
        "started before the first round)."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
