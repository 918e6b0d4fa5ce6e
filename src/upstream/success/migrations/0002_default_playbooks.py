"""Seed the default playbooks: silence for 30 days, renewal in 90/60/30 days, health below 50."""

from django.db import migrations

DEFAULTS = [
    ("No interaction for 30 days", "no_interaction", 30, 7),
    ("Renewal in 90 days", "renewal", 90, 14),
    ("Renewal in 60 days", "renewal", 60, 7),
    ("Renewal in 30 days", "renewal", 30, 3),
    ("Health fell below 50", "health_below", 50, 3),
]


def seed(apps, schema_editor):
    Playbook = apps.get_model("success", "Playbook")
    for name, kind, parameter, due_in_days in DEFAULTS:
        Playbook.objects.get_or_create(
            kind=kind, parameter=parameter, defaults={"name": name, "due_in_days": due_in_days, "active": True}
        )


def unseed(apps, schema_editor):
    Playbook = apps.get_model("success", "Playbook")
    for _name, kind, parameter, _due in DEFAULTS:
        Playbook.objects.filter(kind=kind, parameter=parameter, tasks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("success", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
