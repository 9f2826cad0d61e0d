"""Risks in the administration.

The scales, the bands and the appetites are the partnership's data, kept here, each change
with its reason (see ``history.admin``); a change that would leave the bands or the bounds
of P(miss) unusable is refused with the reason. Risks are raised here, at their inherent
score; after that they are scored on their own page, where a score below the inherent one
needs a control in place, so their current score is not edited here. Scores and proposals
are only looked at: they are the risk's history.
"""

from __future__ import annotations

import polars as pl
from django import forms
from django.contrib import admin

from joinedup.core import risk as matrix
from joinedup.history.admin import ChangeWithReasonMixin, ReadOnlyAdmin, RecordedModelForm
from joinedup.risks.models import Band, Category, Control, Impact, Likelihood, Proposal, Risk, Score


class BandForm(RecordedModelForm):
    class Meta:
        model = Band
        fields = ["name", "lowest", "highest", "colour"]

    def clean(self):
        cleaned = super().clean()
        if None in (cleaned.get("lowest"), cleaned.get("highest")):
            return cleaned
        others = Band.objects.exclude(pk=self.instance.pk).values_list("name", "lowest",
                                                                       "highest")
        bands = pl.DataFrame([*others, (cleaned.get("name"), cleaned["lowest"],
                                        cleaned["highest"])],
                             schema=["band", "lowest", "highest"], orient="row")
        try:
            matrix.band_of(pl.Series([1]), bands)
        except ValueError as error:
            raise forms.ValidationError(f"With this band, {error}.") from None
        return cleaned


class LikelihoodForm(RecordedModelForm):
    class Meta:
        model = Likelihood
        fields = ["level", "word", "description", "p_miss_from"]

    def clean(self):
        cleaned = super().clean()
        if None in (cleaned.get("level"), cleaned.get("p_miss_from")):
            return cleaned
        others = Likelihood.objects.exclude(pk=self.instance.pk).values_list("level",
                                                                            "p_miss_from")
        bounds = pl.DataFrame([*others, (cleaned["level"], cleaned["p_miss_from"])],
                              schema={"likelihood": pl.Int64, "p_miss_from": pl.Float64},
                              orient="row")
        try:
            matrix.likelihood_from_p_miss(pl.Series([0.5]), bounds)
        except ValueError as error:
            raise forms.ValidationError(f"With this level, {error}.") from None
        return cleaned


@admin.register(Band)
class BandAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    form = BandForm
    list_display = ["name", "lowest", "highest", "colour"]


@admin.register(Likelihood)
class LikelihoodAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    form = LikelihoodForm
    list_display = ["level", "word", "p_miss_from"]


@admin.register(Impact)
class ImpactAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["level", "word", "description"]


@admin.register(Category)
class CategoryAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    list_display = ["name", "appetite"]
    prepopulated_fields = {"slug": ["name"]}


class RiskForm(RecordedModelForm):
    class Meta:
        model = Risk
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        adding = self.instance.pk is None
        levels = [cleaned.get(name) for name in ("likelihood", "impact", "inherent_likelihood",
                                                 "inherent_impact")]
        if adding and None not in levels and levels[0] * levels[1] < levels[2] * levels[3]:
            raise forms.ValidationError(
                "Raise a risk at its inherent score: no control is in place yet. Score it "
                "down on its page once a control's actions are complete.")
        return cleaned


@admin.register(Risk)
class RiskAdmin(ChangeWithReasonMixin, admin.ModelAdmin):
    form = RiskForm
    list_display = ["title", "body", "owner", "category", "likelihood", "impact", "restricted"]
    list_filter = ["category", "body", "restricted"]
    search_fields = ["title", "cause", "effect"]
    filter_horizontal = ["outcomes", "indicators", "targets", "pools"]

    def get_readonly_fields(self, request, obj=None):
        # The current score changes on the risk's page, where the rules for it are kept.
        return ["likelihood", "impact"] if obj is not None else []


@admin.register(Control)
class ControlAdmin(ReadOnlyAdmin):
    list_display = ["description", "risk", "kind"]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["risk", "quarter", "likelihood", "impact", "source", "recorded_at"]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["risk", "proposed_likelihood", "p_miss", "state", "raised_at"]
    list_filter = ["state"]
