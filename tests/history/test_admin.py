"""The administration changes recorded data only with a reason, and figures not at all."""

from __future__ import annotations

import pytest

from joinedup.history.models import Change
from joinedup.partnership.meetings import Attendance
from joinedup.partnership.models import Membership, Person
from joinedup.returns.models import DataValue
from joinedup.strategy.models import Milestone, Target

pytestmark = pytest.mark.django_db

REASON = "Board agreed a stretch target on 12 March"


@pytest.fixture
def admin_as(client, person):
    """A client signed in to the administration as the demo officer or as a superuser."""

    def make(who: str):
        if who == "superuser":
            user = Person.objects.create_superuser("site.admin", "admin@example.org",
                                                   "unused-in-tests-0")
        else:
            user = person(who)
        client.logout()
        client.force_login(user)
        return client, user

    return make


def _target_with_milestones() -> Target:
    return (Target.objects.filter(milestones__isnull=False).order_by("pk")
            .select_related("indicator").first())


def _target_form(target: Target, **changes) -> dict:
    """The target's change form as the admin shows it, with its milestones, and ``changes``."""
    data = {
        "indicator": target.indicator_id, "area": target.area_id, "period": target.period,
        "value": target.value, "kind": target.kind,
        "baseline_period": target.baseline_period,
        "baseline_value": "" if target.baseline_value is None else target.baseline_value,
        "tolerance": "" if target.tolerance is None else target.tolerance,
        "reward_grant": target.reward_grant or "",
    }
    if target.illustrative:
        data["illustrative"] = "on"
    milestones = list(target.milestones.order_by("pk"))
    data |= {"milestones-TOTAL_FORMS": len(milestones),
             "milestones-INITIAL_FORMS": len(milestones),
             "milestones-MIN_NUM_FORMS": 0, "milestones-MAX_NUM_FORMS": 1000}
    for index, milestone in enumerate(milestones):
        data |= {f"milestones-{index}-id": milestone.pk,
                 f"milestones-{index}-target": target.pk,
                 f"milestones-{index}-period": milestone.period,
                 f"milestones-{index}-value": milestone.value}
    return data | changes


def _figure_state(figure: DataValue) -> tuple:
    figure.refresh_from_db()
    return figure.value, figure.state, figure.version


# --- figures -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["superuser", "officer"])
def test_an_approved_figure_cannot_be_changed_in_the_admin(admin_as, who):
    client, _ = admin_as(who)
    figure = DataValue.objects.filter(state="approved").order_by("pk").first()
    before = _figure_state(figure)
    changes = Change.objects.count()
    response = client.post(f"/admin/returns/datavalue/{figure.pk}/change/", {
        "indicator": figure.indicator_id, "area": figure.area_id, "period": figure.period,
        "value": figure.value + 10, "state": "draft", "note": "",
    })
    assert response.status_code == 403
    assert _figure_state(figure) == before
    assert Change.objects.count() == changes


@pytest.mark.parametrize("who", ["superuser", "officer"])
def test_figures_cannot_be_added_or_deleted_in_the_admin(admin_as, who):
    client, _ = admin_as(who)
    figure = DataValue.objects.filter(state="approved").order_by("pk").first()
    count = DataValue.objects.count()
    assert client.get("/admin/returns/datavalue/add/").status_code == 403
    assert client.post(f"/admin/returns/datavalue/{figure.pk}/delete/",
                       {"post": "yes", "change_reason": REASON}).status_code == 403
    client.post("/admin/returns/datavalue/", {"action": "delete_selected", "post": "yes",
                                              "_selected_action": [figure.pk]})
    assert DataValue.objects.count() == count


def test_the_admin_says_where_figures_are_changed(admin_as):
    client, _ = admin_as("officer")
    figure = DataValue.objects.filter(state="approved").order_by("pk").first()
    listing = client.get("/admin/returns/datavalue/").content.decode()
    assert "Figures are only looked at here. They change through Returns" in listing
    page = client.get(f"/admin/returns/datavalue/{figure.pk}/change/").content.decode()
    assert f'<a href="/returns/figures/{figure.pk}/">Open this figure in Returns</a>' in page
    # the page has no form fields for the figure, and nothing to save it with
    assert 'name="value"' not in page and 'name="_save"' not in page


# --- recorded models ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["superuser", "officer"])
def test_a_target_changed_without_a_reason_is_refused_and_nothing_changes(admin_as, who):
    client, _ = admin_as(who)
    target = _target_with_milestones()
    old = target.value
    changes = Change.objects.count()
    for reason in ("", "   "):
        response = client.post(f"/admin/strategy/target/{target.pk}/change/",
                               _target_form(target, value=old + 0.5, change_reason=reason))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Say why this change is being made: the reason is kept in the history with " \
               "it." in page
        assert 'name="change_reason"' in page
    target.refresh_from_db()
    assert target.value == old
    assert Change.objects.count() == changes


@pytest.mark.parametrize("who", ["superuser", "officer"])
def test_a_target_changed_with_a_reason_is_recorded_with_it(admin_as, who):
    client, user = admin_as(who)
    target = _target_with_milestones()
    old = target.value
    response = client.post(f"/admin/strategy/target/{target.pk}/change/",
                           _target_form(target, value=old + 0.5, change_reason=REASON))
    assert response.status_code == 302, response.content.decode()[:2000]
    change = Change.objects.for_object(target).get(reason=REASON)
    assert (change.person, change.actor, change.action) == (user, user.username, "update")
    assert change.changed_fields() == [("value", old, old + 0.5)]
    target.refresh_from_db()
    assert target.value == old + 0.5


def test_a_milestone_changed_on_its_target_page_carries_the_reason(admin_as):
    client, user = admin_as("officer")
    target = _target_with_milestones()
    milestone = target.milestones.order_by("pk").first()
    last = Change.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = client.post(f"/admin/strategy/target/{target.pk}/change/", _target_form(
        target, **{"milestones-0-value": milestone.value + 1, "change_reason": REASON}))
    assert response.status_code == 302, response.content.decode()[:2000]
    # the target itself did not change, so its milestone's is the only change recorded
    change = Change.objects.get(pk__gt=last)
    assert (change.content_type.model, change.object_id) == ("milestone", milestone.pk)
    assert (change.person, change.reason) == (user, REASON)
    assert change.changed_fields() == [("value", milestone.value, milestone.value + 1)]


def test_a_target_added_in_the_admin_needs_a_reason(admin_as):
    client, user = admin_as("officer")
    model = _target_with_milestones()
    data = _target_form(model, period="2035/36", value=12.5) | {
        "milestones-TOTAL_FORMS": 0, "milestones-INITIAL_FORMS": 0}
    response = client.post("/admin/strategy/target/add/", data)
    assert response.status_code == 200
    assert not Target.objects.filter(indicator=model.indicator, period="2035/36").exists()
    response = client.post("/admin/strategy/target/add/", data | {"change_reason": REASON})
    assert response.status_code == 302, response.content.decode()[:2000]
    added = Target.objects.get(indicator=model.indicator, area=model.area, period="2035/36")
    change = Change.objects.for_object(added).get()
    assert (change.action, change.person, change.reason) == ("create", user, REASON)
    assert change.after["value"] == 12.5


# --- deleting -------------------------------------------------------------------------


def test_deleting_a_target_needs_a_reason_which_its_milestones_share(admin_as):
    client, user = admin_as("superuser")
    target = _target_with_milestones()
    milestones = list(target.milestones.values_list("pk", flat=True))
    url = f"/admin/strategy/target/{target.pk}/delete/"
    page = client.get(url).content.decode()
    assert 'name="change_reason"' in page and "Reason for this change" in page

    refused = client.post(url, {"post": "yes", "change_reason": ""})
    assert (refused.status_code, refused["Location"]) == (302, url)
    shown = client.get(url).content.decode()
    assert "Say why this change is being made: the reason is kept in the history with " \
           "it." in shown
    assert Target.objects.filter(pk=target.pk).exists()
    assert not Change.objects.filter(action="delete").exists()

    gone = client.post(url, {"post": "yes", "change_reason": "Set in error: a duplicate"})
    assert gone.status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()
    deleted = Change.objects.filter(action="delete")
    assert sorted((c.content_type.model, c.object_id) for c in deleted) == sorted(
        [("target", target.pk), *(("milestone", pk) for pk in milestones)])
    assert {(c.person, c.reason) for c in deleted} == {(user, "Set in error: a duplicate")}


def test_targets_cannot_be_deleted_in_bulk(admin_as):
    client, _ = admin_as("superuser")
    target = _target_with_milestones()
    listing = client.get("/admin/strategy/target/").content.decode()
    assert 'value="delete_selected"' not in listing
    client.post("/admin/strategy/target/", {"action": "delete_selected", "post": "yes",
                                            "_selected_action": [target.pk]})
    assert Target.objects.filter(pk=target.pk).exists()
    assert Milestone.objects.filter(target=target).exists()
    assert not Change.objects.filter(action="delete").exists()


def test_a_person_with_attendance_or_scores_on_record_is_kept(admin_as):
    """Attendance at meetings and self-assessment scores are the partnership's evidence:
    the person they name cannot be deleted, and the admin says so."""
    client, _ = admin_as("superuser")
    member = Person.objects.get(username="board.member")
    assert Attendance.objects.filter(person=member).exists()
    page = client.post(f"/admin/partnership/person/{member.pk}/delete/",
                       {"post": "yes", "change_reason": "Left the Board in May"})
    assert "would require deleting the following protected related objects" in (
        page.content.decode())
    assert Person.objects.filter(pk=member.pk).exists()


def test_deleting_a_person_records_their_memberships_going_with_the_reason(admin_as):
    client, user = admin_as("superuser")
    # a forum chair: members of forums keep no attendance or scores in the demo
    leaver = Person.objects.get(username="cllr.east")
    assert not Attendance.objects.filter(person=leaver).exists()
    memberships = set(Membership.objects.filter(person=leaver).values_list("pk", flat=True))
    assert memberships
    url = f"/admin/partnership/person/{leaver.pk}/delete/"
    client.post(url, {"post": "yes"})
    assert Person.objects.filter(pk=leaver.pk).exists()
    client.post(url, {"post": "yes", "change_reason": "Left the Board in May"})
    assert not Person.objects.filter(pk=leaver.pk).exists()
    recorded = Change.objects.filter(action="delete", content_type__model="membership")
    assert {c.object_id for c in recorded} == memberships
    assert {(c.person, c.reason) for c in recorded} == {(user, "Left the Board in May")}
