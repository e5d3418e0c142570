"""Plant the starting speciality tree (experts/specialities.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from experts.specialities import ensure_tree

    ensure_tree(apps.get_model("experts", "Speciality"))


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
