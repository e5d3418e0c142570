"""The built-in templates of 四评四促 (evaluations/builtin.py), loaded by code; reloading refreshes them."""

from django.db import migrations


def load(apps, schema_editor):
    from evaluations import builtin, questions

    template = apps.get_model("evaluations", "SurveyTemplate")
    for spec in builtin.TEMPLATES:
        template.objects.update_or_create(code=spec["code"], defaults={
            "title": spec["title"], "description": spec["description"], "target_kind": spec["target_kind"],
            "questions": questions.validate_definition(spec["questions"]), "builtin": True})


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
