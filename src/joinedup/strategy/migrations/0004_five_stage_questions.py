"""Warwickshire's five-stage delivery-planning standard, as questions the partnership may
change or add to. The questions marked generated are answered from the engine and the
resources table until the plan is agreed."""

from django.db import migrations

QUESTIONS = [
    (1, 1, "priority", "Why is this a priority here: what do the analysis of performance and "
                       "local conditions show?", False),
    (1, 2, "who-and-where", "Who is most affected, and where?", False),
    (2, 1, "performance-and-trend", "How is performance now, and what is its trend?", True),
    (3, 1, "forecast", "Where are we going: what does the forecast say, and will the target "
                       "be met?", True),
    (3, 2, "resources", "What resources are behind it: capital and revenue, aligned and "
                        "pooled?", True),
    (4, 1, "interventions", "What will be done, by whom and by when?", False),
    (5, 1, "how", "How will the interventions be achieved, and what works locally?", False),
]


def add(apps, schema_editor):
    PlanQuestion = apps.get_model("strategy", "PlanQuestion")
    for stage, order, key, text, generated in QUESTIONS:
        PlanQuestion.objects.update_or_create(key=key, defaults={
            "stage": stage, "order": order, "text": text, "generated": generated})


def remove(apps, schema_editor):
    apps.get_model("strategy", "PlanQuestion").objects.filter(
        key__in=[q[2] for q in QUESTIONS]).delete()


class Migration(migrations.Migration):

    dependencies = [("strategy", "0003_delivery_plans")]

    operations = [migrations.RunPython(add, remove)]
