import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Evidence.run now points at practice.ProcedureRun (the same table)."""

    dependencies = [
        ('apprenticeships', '0001_initial'),
        ('practice', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (created by workorders 0001); only Django's idea of who owns them moves.
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='evidence',
                    name='run',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='apprenticeship_evidence', to='practice.procedurerun', verbose_name='实操记录'),
                ),
            ],
        ),
    ]
