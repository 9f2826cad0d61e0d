"""Spend is shared by the information-sharing charter, not by a list on each line.

A partner's budget lines and resources in kind named as shared with another partner become
a charter entry sharing that partner's spend, from today, saying it was carried over. A
charter entry shares all of the provider's spend, so where only some of its lines were
named the migration stops and says so, and nothing changes.
"""

import datetime as dt

from django.db import migrations

PURPOSE = "Carried over from the budget lines' own sharing when the charter took its place."
MODELS = ("BudgetLine", "InKindResource")


def carry_over(apps, schema_editor):
    CharterEntry = apps.get_model("constitution", "CharterEntry")
    pairs, partial = set(), []
    for name in MODELS:
        model = apps.get_model("resources", name)
        through = model.shared_with.through
        column = f"{model._meta.model_name}__partner_id"
        named = set(through.objects.values_list(column, "organisation_id").distinct())
        for provider, recipient in named:
            lines = model.objects.filter(partner_id=provider, shared_with_partners=False)
            shared = lines.filter(shared_with__id=recipient)
            if lines.count() != shared.count():
                partial.append(f"{name} of organisation {provider} for organisation {recipient}")
        pairs |= named
    if partial:
        raise RuntimeError(
            "A charter entry shares all of a partner's spend, but only some lines were shared: "
            f"{sorted(partial)}. Share the partner's other lines too, or unshare these, and "
            "migrate again.")
    today = dt.date.today()
    for provider, recipient in sorted(pairs):
        CharterEntry.objects.create(provider_id=provider, recipient_id=recipient, data="spend",
                                    purpose=PURPOSE, starts=today,
                                    agreed_by="The sharing kept before the charter")


class Migration(migrations.Migration):

    dependencies = [
        ("resources", "0006_one_index_for_the_budget_line_key"),
        ("constitution", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(model_name="budgetline", name="shared_with"),
        migrations.RemoveField(model_name="inkindresource", name="shared_with"),
    ]
