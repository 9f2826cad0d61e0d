"""What the demo partnership publishes: the Board packs it marks public.

The Board puts every pack it has issued on the public site; the management group's packs,
its working papers on every exception, stay with the partners. A fresh demo has issued no
pack yet (the officer builds and issues the Board's, as the README shows), so building
the demo again after that publishes the Board's packs issued meanwhile.
"""

from __future__ import annotations

from joinedup.common.querysets import manages_framework
from joinedup.partnership.models import Body, Person
from joinedup.reports import building
from joinedup.reports.models import Pack


def build_public() -> dict[str, int]:
    """Publish the Board's issued packs not yet public; return counts by name."""
    board = Body.objects.filter(parent=None, kind=Body.Kind.BOARD).first()
    officer = next((person for person in Person.objects.filter(is_active=True).order_by("pk")
                    if manages_framework(person)), None)
    if board is None or officer is None:
        return {"packs published": 0}
    published = 0
    for pack in Pack.objects.issued().filter(body=board, publication__isnull=True):
        try:
            building.publish(pack, officer, public=True)
        except building.PackRefused:
            continue  # it names an indicator that is not public
        published += 1
    return {"packs published": published}
