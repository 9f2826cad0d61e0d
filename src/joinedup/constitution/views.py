"""The constitution's pages (each body's documents in force and their versions) and the
information-sharing charter's (who shares what with whom, and why, now and before).

Anyone may read the documents; the charter is read by anyone signed in. The partnership
officer writes new versions and adds and ends entries (``keeping``); a form sent with a
mistake comes back with an error summary and everything that was typed in it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.common.querysets import manages_framework
from joinedup.constitution import keeping
from joinedup.constitution.forms import EndForm, EntryForm, VersionForm
from joinedup.constitution.models import CharterEntry, Document, DocumentVersion
from joinedup.history.models import Change
from joinedup.history.reading import history_of
from joinedup.partnership.models import Body

KINDS = Document.Kind


def _documents(body) -> list[dict]:
    """Each of the three documents binding ``body``, with where it comes from."""
    rows = []
    for kind in KINDS:
        version = keeping.in_force(body, kind.value)
        inherited = version is not None and version.document.body_id != body.pk
        rows.append({"kind": kind, "version": version, "inherited": inherited})
    return rows


@require_GET
def index(request):
    bodies = Body.objects.visible_to(request.user).layers()
    flat, stack = [], list(reversed(bodies))
    while stack:
        body = stack.pop()
        flat.append({"body": body, "documents": _documents(body)})
        stack.extend(reversed(body.lower_layers))
    return render(request, "constitution/index.html", {
        "here": "constitution", "bodies": flat, "may_write": manages_framework(request.user)})


@require_GET
def body(request, slug: str):
    found = get_object_or_404(Body.objects.visible_to(request.user), slug=slug)
    versions = (DocumentVersion.objects.visible_to(request.user)
                .filter(document__body=found).select_related("document", "written_by")
                .order_by("document__kind", "-number"))
    return render(request, "constitution/body.html", {
        "here": "constitution", "body": found, "documents": _documents(found),
        "versions": list(versions), "may_write": manages_framework(request.user)})


def _kind(kind: str) -> Document.Kind:
    if kind not in KINDS.values:
        raise Http404(f"There is no document {kind}.")
    return KINDS(kind)


@require_GET
def version(request, slug: str, kind: str, number: int):
    found = get_object_or_404(
        DocumentVersion.objects.visible_to(request.user).select_related(
            "document__body", "written_by"),
        document__body__slug=slug, document__kind=_kind(kind).value, number=number)
    latest = found.document.current()
    return render(request, "constitution/version.html", {
        "here": "constitution", "version": found, "body": found.document.body,
        "is_current": latest.pk == found.pk, "latest": latest})


@login_required
@require_http_methods(["GET", "POST"])
def write(request, slug: str, kind: str):
    if not manages_framework(request.user):
        raise PermissionDenied(keeping.REFUSAL)
    found = get_object_or_404(Body, slug=slug)
    chosen = _kind(kind)
    current = (DocumentVersion.objects.filter(document__body=found, document__kind=chosen.value)
               .order_by("-number").first())
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid() and _saved(form, lambda: keeping.write_version(
                found, chosen.value, form.cleaned_data["text"],
                reason=form.cleaned_data["reason"], person=request.user)):
            return redirect("constitution:body", slug=found.slug)
    else:
        form = VersionForm(initial={"text": current.text if current else ""})
    return render(request, "constitution/write.html", {
        "here": "constitution", "body": found, "kind": chosen, "current": current,
        "form": form})


def _saved(form, work) -> bool:
    """Do ``work``; a rule it breaks shows on the form, under its field where it names one."""
    try:
        work()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            form.add_error(None, error.messages)
        return False
    return True


def _charter_history(user):
    """The recorded changes to the charter that ``user`` may read, newest first."""
    kind = ContentType.objects.get_for_model(CharterEntry)
    return (Change.objects.visible_to(user).filter(content_type=kind)
            .select_related("person").order_by("-time", "-pk")[:50])


@login_required
@require_http_methods(["GET", "POST"])
def charter(request):
    may_write = manages_framework(request.user)
    form = EntryForm(request.POST or None) if may_write else None
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied(keeping.REFUSAL)
        if form.is_valid():
            data = form.cleaned_data
            if _saved(form, lambda: keeping.add_entry(
                    provider=data["provider"], recipient=data["recipient"], data=data["data"],
                    theme=data["theme"], purpose=data["purpose"], agreed_by=data["agreed_by"],
                    starts=data["starts"], reason=data["reason"], person=request.user)):
                return redirect("constitution:charter")
    today = timezone.localdate()
    entries = CharterEntry.objects.visible_to(request.user).select_related(
        "provider", "recipient", "theme", "recorded_by", "ended_by")
    return render(request, "constitution/charter.html", {
        "here": "charter", "today": today, "may_write": may_write, "form": form,
        "current": list(entries.in_force(today)),
        "coming": list(entries.filter(starts__gt=today)),
        "past": list(entries.past(today).order_by("-ends", "-pk")),
        "history": list(_charter_history(request.user))})


@login_required
@require_http_methods(["GET", "POST"])
def entry(request, pk: int):
    found = get_object_or_404(CharterEntry.objects.visible_to(request.user).select_related(
        "provider", "recipient", "theme", "recorded_by", "ended_by"), pk=pk)
    today = timezone.localdate()
    may_end = manages_framework(request.user) and (found.ends is None or found.ends > today)
    form = EndForm(request.POST or None) if may_end else None
    if request.method == "POST":
        if not may_end:
            raise PermissionDenied(keeping.REFUSAL if not manages_framework(request.user)
                                   else "This entry has ended already.")
        if form.is_valid() and _saved(form, lambda: keeping.end_entry(
                found, reason=form.cleaned_data["reason"], person=request.user)):
            return redirect(found)
    return render(request, "constitution/entry.html", {
        "here": "charter", "entry": found, "in_force": found.in_force_on(today),
        "form": form, "history": history_of(found, request.user)})
