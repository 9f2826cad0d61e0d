"""Building and issuing packs: the one road the pages, the command line, the API and the
background task all take, so the rules are the same whichever is used.

- A **draft** is built from the figures, flags and decisions held now, and can be rebuilt
  at any time: asking for a pack of a body, period, meeting and format that already has a
  draft rebuilds that draft rather than adding another.
- **Issuing** builds the pack once more, its cover saying when it was issued, and freezes
  it (see ``models``). It is refused, with a one-line reason, when the body's reporting
  cycle requires commentary on every red exception and one in the pack has none. Then the
  body's members are e-mailed a link to it.

Only the partnership officer and the body's chair, vice-chair and officer may build and
issue its packs (``roles.pack_bodies``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from joinedup.core.periods import PeriodError, financial_quarter, parse_period
from joinedup.history.recording import recorded_as
from joinedup.partnership import roles
from joinedup.partnership.models import Meeting, ReportingCycle
from joinedup.reports import formats
from joinedup.reports.contents import Contents, Progress, gather, partnership_name
from joinedup.reports.models import Pack, PackFile, PackFrozen, PackPublication
from joinedup.strategy.models import Indicator

logger = logging.getLogger(__name__)

#: Steps after the contents are gathered and the charts drawn: writing the file, keeping it.
FINAL_STEPS = 2


class PackRefused(Exception):
    """A pack that cannot be built or issued, with a one-line reason."""


def refusal_for(body) -> str:
    return (f"Only the partnership officer and the chair, vice-chair and officer of "
            f"{body.name} may build and issue its packs.")


def may_build(user, body) -> bool:
    return roles.pack_bodies(user).filter(pk=body.pk).exists()


def current_quarter(day: dt.date) -> str:
    """The financial quarter ``day`` falls in (April to June is Q1), such as 2026/27 Q3."""
    return financial_quarter(day).label


def reporting_period(text: str | None, meeting: Meeting | None = None) -> str:
    """The period a pack reports on: as given; else its meeting's; else this quarter."""
    text = (text or "").strip() or (meeting.period if meeting else "")
    if not text:
        return current_quarter(timezone.localdate())
    try:
        return parse_period(text).label
    except PeriodError as error:
        raise PackRefused(f"The period {text!r} is not one JoinedUp reads: {error}.") from None


def draft_for(body, user, *, format: str, period: str | None = None,
              meeting: Meeting | None = None) -> Pack:
    """The draft pack to build for these: the one already there, or a new one."""
    if not may_build(user, body):
        raise PackRefused(refusal_for(body))
    if format not in Pack.Format.values:
        raise PackRefused(f"A pack is built as {', '.join(Pack.Format.values)}, not "
                          f"{format!r}.")
    if meeting is not None and meeting.body_id != body.pk:
        raise PackRefused(f"Meeting {meeting.pk} is a meeting of {meeting.body}, not of "
                          f"{body.name}.")
    period = reporting_period(period, meeting)
    with transaction.atomic():
        draft = (Pack.objects.select_for_update().filter(
            body=body, period=period, meeting=meeting, format=format,
            state=Pack.State.DRAFT).order_by("-pk").first())
        if draft is None:
            with recorded_as(user, reason="Pack asked for"):
                draft = Pack.objects.create(body=body, period=period, meeting=meeting,
                                            format=format, built_by=user)
    return draft


def last_issued(body, *, excluding: Pack | None = None) -> Pack | None:
    packs = Pack.objects.issued().filter(body=body).order_by("-issued_at", "-pk")
    if excluding is not None and excluding.pk is not None:
        packs = packs.exclude(pk=excluding.pk)
    return packs.first()


def _ready(pack: Pack, user, *, busy_ok: bool) -> None:
    if pack.is_issued:
        raise PackRefused(f"Pack {pack.pk} was issued on {_day(pack.issued_at)}, so it cannot "
                          "be built again; build a new draft instead.")
    if not may_build(user, pack.body):
        raise PackRefused(refusal_for(pack.body))
    if pack.work_pending and not busy_ok:
        raise PackRefused(f"Pack {pack.pk} is being built now; wait until it is done.")


def build(pack: Pack, user, *, progress: Progress | None = None,
          busy_ok: bool = False) -> Pack:
    """Build (or rebuild) a draft from what is held now, and keep its file."""
    _ready(pack, user, busy_ok=busy_ok)
    contents = gather(pack, user, previous=last_issued(pack.body), charts=_charted(pack),
                      progress=_steps(progress))
    return _write_and_keep(pack, user, contents, progress)


def check_issue(pack: Pack, user, contents: Contents | None = None,
                *, busy_ok: bool = False) -> None:
    """Refuse, with a one-line reason, a pack that may not be issued as things stand."""
    _ready(pack, user, busy_ok=busy_ok)
    if contents is None:
        contents = gather(pack, user, previous=last_issued(pack.body, excluding=pack),
                          charts=False)
    cycle = (ReportingCycle.objects.filter(body=pack.body).first()
             or ReportingCycle.default_for(pack.body))
    if not cycle.red_needs_commentary:
        return
    bare = next((e for e in contents.entries if e.item.is_red and e.item.commentary is None),
                None)
    if bare is not None:
        raise PackRefused(
            f"Exception {bare.exception.pk} ({bare.indicator.code} {bare.exception.period}) is "
            f"red and has no commentary, which {pack.body.name} requires before its pack is "
            "issued: have its owner write the commentary, then issue the pack.")


def issue(pack: Pack, user, *, progress: Progress | None = None, now: dt.datetime | None = None,
          busy_ok: bool = False) -> Pack:
    """Build the pack as issued, freeze it, and e-mail the body's members a link to it."""
    now = now or timezone.now()
    _ready(pack, user, busy_ok=busy_ok)
    contents = gather(pack, user, previous=last_issued(pack.body, excluding=pack),
                      issued_at=now, charts=_charted(pack), progress=_steps(progress))
    check_issue(pack, user, contents, busy_ok=busy_ok)
    _write_and_keep(pack, user, contents, progress, issued_at=now)
    notify_members(pack)
    return pack


def _charted(pack: Pack) -> bool:
    """The PDF and HTML show each exception's charts; a workbook has no place for them."""
    return pack.format != Pack.Format.XLSX


def _steps(progress: Progress | None) -> Progress | None:
    """Gathering's progress as part of the whole build, which has its final steps to come."""
    if progress is None:
        return None
    return lambda stage, done, total: progress(stage, done, total + FINAL_STEPS)


def _write_and_keep(pack: Pack, user, contents: Contents, progress: Progress | None,
                    *, issued_at: dt.datetime | None = None) -> Pack:
    total = 1 + (len(contents.entries) if _charted(pack) else 0) + FINAL_STEPS
    if progress:
        progress(f"Writing the {pack.get_format_display()} file", total - FINAL_STEPS, total)
    data = formats.write(pack, contents)
    if progress:
        progress("Keeping the file", total - 1, total)
    reason = "Pack issued" if issued_at else "Pack built"
    with transaction.atomic(), recorded_as(user, reason=reason):
        state = (Pack.objects.select_for_update().filter(pk=pack.pk)
                 .values_list("state", flat=True).first())
        if state == Pack.State.ISSUED:
            raise PackFrozen(f"Pack {pack.pk} was issued meanwhile, so it was not changed.")
        PackFile.objects.update_or_create(pack=pack, defaults={"content": data})
        pack.sha256 = hashlib.sha256(data).hexdigest()
        pack.size = len(data)
        pack.manifest = contents.manifest(pack)
        pack.built_by, pack.built_at = user, timezone.now()
        if issued_at is not None:
            pack.state, pack.issued_by, pack.issued_at = Pack.State.ISSUED, user, issued_at
        pack.save()
    if progress:
        progress("Done", total, total)
    return pack


def publish(pack: Pack, user, *, public: bool) -> Pack:
    """Put an issued pack on the public site, or take it off, as its body decides.

    Only those who issue a body's packs may do so, and only for an issued pack. A pack
    naming an indicator that is not public (among its exceptions) stays with the partners.
    """
    if not may_build(user, pack.body):
        raise PackRefused(refusal_for(pack.body).replace("build and issue", "publish"))
    if not pack.is_issued:
        raise PackRefused(f"Pack {pack.pk} is a draft; only an issued pack can be published.")
    if public:
        named = {row.get("indicator") for row in (pack.manifest or {}).get("exceptions", [])}
        open_codes = set(Indicator.objects.visible_to(AnonymousUser())
                         .filter(code__in=named).values_list("code", flat=True))
        closed = sorted(code for code in named - open_codes if code)
        if closed:
            raise PackRefused(f"Pack {pack.pk} names {', '.join(closed)}, which "
                              f"{'is' if len(closed) == 1 else 'are'} not public, so it cannot "
                              "be published.")
    with transaction.atomic(), recorded_as(user, reason="Pack published" if public
                                           else "Pack withdrawn from the public site"):
        current = PackPublication.objects.filter(pack=pack).first()
        if public and current is None:
            PackPublication.objects.create(pack=pack, published_by=user)
        elif not public and current is not None:
            current.delete()
    return pack


def file_bytes(pack: Pack) -> bytes:
    return bytes(PackFile.objects.get(pack=pack).content)


def download_url(pack: Pack) -> str:
    return settings.JOINEDUP_BASE_URL.rstrip("/") + reverse("reports:download", args=[pack.pk])


def notify_members(pack: Pack) -> list[str]:
    """E-mail each member of the pack's body, each alone, a link to the issued pack.

    The pack is issued whatever happens to the e-mail: a message that cannot be sent is
    logged, and the others still go. Returns the addresses sent to.
    """
    people = {}
    for membership in pack.body.memberships.select_related("person").order_by("person__email"):
        person = membership.person
        if person.is_active and person.email:
            people.setdefault(person.email.lower(), person)
    context = {"pack": pack, "url": download_url(pack), "partnership_name": partnership_name(),
               "service_name": settings.JOINEDUP_SERVICE_NAME}
    subject = " ".join(render_to_string("reports/email/issued_subject.txt", context).split())
    sent = []
    connection = get_connection()
    for person in people.values():
        body = render_to_string("reports/email/issued.txt", {**context, "person": person})
        try:
            EmailMessage(subject, body, to=[person.email], connection=connection).send()
        except OSError:
            logger.warning("Could not e-mail %s about pack %s", person.email, pack.pk,
                           exc_info=True)
            continue
        sent.append(person.email)
    return sent


def _day(moment) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y}" if moment else ""
