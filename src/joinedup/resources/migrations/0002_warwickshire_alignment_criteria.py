"""The alignment criteria every partnership starts with: Warwickshire's (its LAA funding
had to meet agreed criteria to count as aligned). A partnership edits them as data."""

from django.db import migrations

CRITERIA = [
    ("contributes", "Contributes to named LAA outcomes or targets",
     "The money serves an outcome of the strategy, or a target in the Local Area Agreement, "
     "named on the budget line."),
    ("monitored", "Subject to financial monitoring",
     "Quarterly actuals arrive for the line, so budget and spend can be compared each "
     "quarter."),
    ("reports", "The activities it pays for report performance",
     "The indicators of the outcome the line serves have figures for its financial year."),
]


def add(apps, schema_editor):
    Criterion = apps.get_model("resources", "AlignmentCriterion")
    for order, (evidence, title, explanation) in enumerate(CRITERIA):
        Criterion.objects.get_or_create(evidence=evidence, defaults={
            "order": order, "title": title, "explanation": explanation})


def remove(apps, schema_editor):
    apps.get_model("resources", "AlignmentCriterion").objects.filter(
        evidence__in=[c[0] for c in CRITERIA]).delete()


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
