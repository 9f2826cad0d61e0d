"""The default 5×5 matrix, as the partnership's data to edit.

The scales and bands are those of the matrix published for the NHS by the National
Patient Safety Agency ("A risk matrix for risk managers", NPSA, 2008), widely used across
UK public bodies. The bounds of P(miss) that read a likelihood from a forecast, and the
categories with their appetites, are JoinedUp's starting points: each partnership sets
its own.
"""

from django.db import migrations

LIKELIHOOD = [
    (1, "Rare", "This will probably never happen or recur.", 0.0),
    (2, "Unlikely", "Not expected to happen or recur, but it is possible it may do so.", 0.10),
    (3, "Possible", "Might happen or recur occasionally.", 0.30),
    (4, "Likely", "Will probably happen or recur, but it is not a persisting issue.", 0.50),
    (5, "Almost certain", "Will undoubtedly happen or recur, possibly frequently.", 0.80),
]
IMPACT = [
    (1, "Negligible", "No noticeable effect on an outcome, a service or the partnership."),
    (2, "Minor", "A small, short-lived effect, put right within the quarter."),
    (3, "Moderate", "A target missed, or a service disrupted, for a few months."),
    (4, "Major", "A priority outcome set back for a year or more, or a reward grant lost."),
    (5, "Catastrophic", "Lasting harm to people, or the partnership's strategy undone."),
]
BANDS = [("Low", 1, 3, "green"), ("Moderate", 4, 6, "yellow"), ("High", 8, 12, "orange"),
         ("Extreme", 15, 25, "red")]
CATEGORIES = [
    ("Outcomes and targets", "outcomes-and-targets", 12,
     "Missing the partnership's targets or failing to improve its outcomes."),
    ("Finance", "finance", 8, "Money lost, overspent or not spent where it was agreed."),
    ("Partnership working", "partnership-working", 9,
     "Partners not playing their part, or the partnership's governance failing."),
    ("Safety and safeguarding", "safety-and-safeguarding", 4,
     "Harm to residents, children or vulnerable adults."),
    ("Reputation", "reputation", 6, "Loss of residents' or partners' trust."),
]


def add(apps, schema_editor):
    Likelihood, Impact = apps.get_model("risks", "Likelihood"), apps.get_model("risks", "Impact")
    Band, Category = apps.get_model("risks", "Band"), apps.get_model("risks", "Category")
    for level, word, description, p_miss_from in LIKELIHOOD:
        Likelihood.objects.update_or_create(level=level, defaults={
            "word": word, "description": description, "p_miss_from": p_miss_from})
    for level, word, description in IMPACT:
        Impact.objects.update_or_create(level=level, defaults={
            "word": word, "description": description})
    for name, lowest, highest, colour in BANDS:
        Band.objects.update_or_create(name=name, defaults={
            "lowest": lowest, "highest": highest, "colour": colour})
    for name, slug, appetite, description in CATEGORIES:
        Category.objects.update_or_create(slug=slug, defaults={
            "name": name, "appetite": appetite, "description": description})


def remove(apps, schema_editor):
    for model in ("Likelihood", "Impact", "Band", "Category"):
        apps.get_model("risks", model).objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [("risks", "0001_register")]

    operations = [migrations.RunPython(add, remove)]
