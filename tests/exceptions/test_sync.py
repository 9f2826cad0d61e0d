"""Flags become exceptions: one per indicator, layer and period, stable across runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from joinedup.assessment.models import Flag
from joinedup.assessment.services import run_assessment
from joinedup.exceptions.models import IndicatorException
from joinedup.exceptions.sync import sync_exceptions
from joinedup.partnership.models import Body
from joinedup.places.models import Area
from joinedup.strategy.models import Indicator, Strategy

pytestmark = pytest.mark.django_db


def own_open_flags():
    comparators = Strategy.objects.get().comparators.values("pk")
    return Flag.objects.filter(cleared_at__isnull=True).exclude(area__in=comparators)


def test_every_open_flag_of_the_partnership_is_in_exactly_one_exception():
    flags = set(own_open_flags().values_list("pk", flat=True))
    links = list(IndicatorException.flags.through.objects.filter(flag_id__in=flags)
                 .values_list("flag_id", flat=True))
    assert len(flags) == 78
    assert sorted(links) == sorted(flags)
    assert IndicatorException.objects.count() == 54


def test_comparators_raise_no_exceptions():
    england = Area.objects.get(code="E92000001")
    assert Flag.objects.filter(area=england, cleared_at__isnull=True).count() == 14
    assert not IndicatorException.objects.filter(flags__area=england).exists()


def test_an_exception_groups_its_indicators_flags_for_one_period_and_layer(exception_for):
    exception = exception_for("HW 02", "2017/18")
    assert exception.layer.slug == "active-healthy-gateshead"
    assert sorted(exception.flags.values_list("kind", flat=True)) == [
        "consistently_fails", "likely_to_miss", "red"]
    assert exception.state == "open" and exception.decision == ""
    later = exception_for("HW 02", "2018/19")
    assert list(later.flags.values_list("kind", flat=True)) == ["missing"]
    assert later.previous == exception


def test_identity_is_stable_when_the_period_is_assessed_again(exception_for):
    before = dict(IndicatorException.objects.values_list("pk", "state"))
    run_assessment(indicator=Indicator.objects.get(code="HW 02"))
    run_assessment()
    assert dict(IndicatorException.objects.values_list("pk", "state")) == before


def test_flags_inside_an_area_forum_belong_to_the_forum():
    ward = Area.objects.get(code="E05001069")   # Bridges, a ward of the Central locality
    forum = Body.objects.get(slug="central-area-forum")
    assert ward.parent.code == forum.area.code
    indicator = Indicator.objects.get(code="NG 01")
    other = Flag.objects.filter(indicator=indicator).first()
    Flag.objects.create(indicator=indicator, area=ward, period="2019", kind="red",
                        reason="test", first_run=other.first_run, last_run=other.last_run,
                        raised_at=timezone.now())
    sync_exceptions([indicator.pk], now=timezone.now())
    mine = IndicatorException.objects.get(indicator=indicator, layer=forum)
    assert list(mine.flags.values_list("area__code", flat=True)) == ["E05001069"]
    assert mine.period == "2019"
    district = IndicatorException.objects.get(indicator=indicator, layer__slug="steering-group",
                                              period="2019")
    assert list(district.flags.values_list("area__code", flat=True)) == ["E08000037"]


def test_an_exception_closes_when_its_flags_clear_and_reopens_when_raised_again(exception_for):
    exception = exception_for("CY 09", "2018")
    flag = exception.flags.get()
    later = timezone.now() + dt.timedelta(minutes=1)
    Flag.objects.filter(pk=flag.pk).update(cleared_at=later)
    sync_exceptions([exception.indicator_id], now=later)
    exception.refresh_from_db()
    assert (exception.state, exception.closed_at, exception.reopened) == ("closed", later, 0)
    Flag.objects.filter(pk=flag.pk).update(cleared_at=None)
    sync_exceptions([exception.indicator_id], now=later)
    exception.refresh_from_db()
    assert (exception.state, exception.closed_at, exception.reopened) == ("open", None, 1)
