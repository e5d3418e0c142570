"""Ship the built-in indicator system (standard_evaluations/builtin.py), published, in every deployment."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone


def install(apps, schema_editor):
    from standard_evaluations.builtin import BUILTIN

    System = apps.get_model("standard_evaluations", "IndicatorSystem")
    Dimension = apps.get_model("standard_evaluations", "Dimension")
    Indicator = apps.get_model("standard_evaluations", "Indicator")
    if System.objects.filter(code=BUILTIN["code"], version=1).exists():
        return
    system = System.objects.create(code=BUILTIN["code"], version=1, name=BUILTIN["name"], basis=BUILTIN["basis"],
                                   description=BUILTIN["description"], state="published",
                                   published_at=timezone.now())
    for d_order, (code, name, weight, note, indicators) in enumerate(BUILTIN["dimensions"], start=1):
        dimension = Dimension.objects.create(system=system, order=d_order, code=code, name=name,
                                             weight=Decimal(weight), description=note)
        for i_order, (i_code, i_name, i_weight, rule, evidence, measure) in enumerate(indicators, start=1):
            Indicator.objects.create(dimension=dimension, order=i_order, code=i_code, name=i_name,
                                     weight=Decimal(i_weight), scoring_rule=rule, evidence_required=list(evidence),
                                     measure=measure)


class Migration(migrations.Migration):
    dependencies = [("standard_evaluations", "0001_indicator_systems")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
