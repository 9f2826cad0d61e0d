"""Indicators are shared by the information-sharing charter, not by a list on each indicator.

Each indicator's list of partners becomes charter entries before the list goes: one for
each owner, partner and theme, from today, saying it was carried over. A charter entry
covers every restricted indicator its owner has in the theme, so a list that named only
some of them cannot be carried over without showing a partner more than before; the
migration then stops and names them, and nothing changes.
"""

import datetime as dt
from collections import defaultdict

from django.db import migrations

PURPOSE = "Carried over from the indicators' own sharing when the charter took its place."


def carry_over(apps, schema_editor):
    Indicator = apps.get_model("strategy", "Indicator")
    CharterEntry = apps.get_model("constitution", "CharterEntry")
    through = Indicator.shared_with.through
    shares = defaultdict(set)
    for row in through.objects.select_related("indicator__outcome"):
        indicator = row.indicator
        shares[indicator.owner_id, row.organisation_id, indicator.outcome.theme_id].add(
            indicator.pk)
    wider = []
    for (owner, partner, theme), named in sorted(shares.items()):
        restricted = set(Indicator.objects.filter(
            owner_id=owner, outcome__theme_id=theme, visibility="restricted")
            .values_list("pk", flat=True))
        wider += Indicator.objects.filter(pk__in=restricted - named).values_list(
            "code", flat=True)
    if wider:
        raise RuntimeError(
            "These restricted indicators are not shared with a partner to whom another "
            f"indicator of the same owner and theme is: {sorted(set(wider))}. A charter entry "
            "shares a whole theme; share them too, or move the others to a theme of their "
            "own, and migrate again.")
    today = dt.date.today()
    for owner, partner, theme in sorted(shares):
        CharterEntry.objects.create(provider_id=owner, recipient_id=partner, data="indicators",
                                    theme_id=theme, purpose=PURPOSE, starts=today,
                                    agreed_by="The sharing kept before the charter")


class Migration(migrations.Migration):

    dependencies = [
        ("strategy", "0005_two_tiers_and_tracked_gaps"),
        ("constitution", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="indicator",
            name="shared_with",
        ),
    ]
