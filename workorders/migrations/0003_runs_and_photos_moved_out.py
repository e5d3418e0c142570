import django.db.models.deletion
from django.db import migrations, models


MOVED = {"scanlog": "practice", "procedurerun": "practice", "steprecord": "practice", "runreview": "practice",
         "photo": "media"}


def move_content_types(apps, schema_editor):
    """Content types follow their models, keeping their ids: every generic relation (a photo's owner),
    permission and admin log entry that points at them follows with them. Were the new content type
    already there (a partial migrate created it), the old one's photos move to it and the old one goes."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Photo = apps.get_model("media", "Photo")
    for model, new_app in MOVED.items():
        old = ContentType.objects.filter(app_label="workorders", model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=new_app, model=model).first()
        if new is None:
            old.app_label = new_app
            old.save(update_fields=["app_label"])
        else:
            Photo.objects.filter(owner_type=old).update(owner_type=new)
            old.delete()


def return_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, new_app in MOVED.items():
        if not ContentType.objects.filter(app_label="workorders", model=model).exists():
            ContentType.objects.filter(app_label=new_app, model=model).update(app_label="workorders")


class Migration(migrations.Migration):
    """Runs and photos left for practice and media: their models leave this app's state, the foreign
    keys that point at them now name their new homes, and their content types follow."""

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('media', '0001_initial'),
        ('apprenticeships', '0002_evidence_run_in_practice'),
        ('practice', '0001_initial'),
        ('workorders', '0002_work_order_lifecycle'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (created by workorders 0001); only Django's idea of who owns them moves.
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='procedurerun',
                    name='performer',
                ),
                migrations.RemoveField(
                    model_name='procedurerun',
                    name='point',
                ),
                migrations.RemoveField(
                    model_name='procedurerun',
                    name='procedure',
                ),
                migrations.RemoveField(
                    model_name='procedurerun',
                    name='qr',
                ),
                migrations.RemoveField(
                    model_name='procedurerun',
                    name='scan',
                ),
                migrations.RemoveField(
                    model_name='procedurerun',
                    name='studio',
                ),
                migrations.RemoveField(
                    model_name='procedurerun',
                    name='version',
                ),
                migrations.RemoveField(
                    model_name='runreview',
                    name='run',
                ),
                migrations.AlterField(
                    model_name='workorder',
                    name='run',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='work_orders', to='practice.procedurerun', verbose_name='实操记录'),
                ),
                migrations.RemoveField(
                    model_name='steprecord',
                    name='run',
                ),
                migrations.RemoveField(
                    model_name='runreview',
                    name='reviewer',
                ),
                migrations.RemoveField(
                    model_name='scanlog',
                    name='point',
                ),
                migrations.RemoveField(
                    model_name='scanlog',
                    name='qr',
                ),
                migrations.RemoveField(
                    model_name='scanlog',
                    name='user',
                ),
                migrations.AlterField(
                    model_name='workorder',
                    name='arrival_scan',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='practice.scanlog', verbose_name='到场扫码'),
                ),
                migrations.RemoveField(
                    model_name='steprecord',
                    name='recorded_by',
                ),
                migrations.RemoveField(
                    model_name='steprecord',
                    name='step',
                ),
                migrations.RemoveField(
                    model_name='steprecord',
                    name='supersedes',
                ),
                migrations.AlterField(
                    model_name='workorder',
                    name='step_record',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='work_orders', to='practice.steprecord', verbose_name='异常步骤记录'),
                ),
                migrations.AlterField(
                    model_name='workorder',
                    name='runs_done',
                    field=models.ManyToManyField(blank=True, related_name='serviced_work_orders', to='practice.procedurerun', verbose_name='维修实操记录'),
                ),
                migrations.DeleteModel(
                    name='Photo',
                ),
                migrations.DeleteModel(
                    name='ProcedureRun',
                ),
                migrations.DeleteModel(
                    name='RunReview',
                ),
                migrations.DeleteModel(
                    name='ScanLog',
                ),
                migrations.DeleteModel(
                    name='StepRecord',
                ),
            ],
        ),
        migrations.RunPython(move_content_types, return_content_types),
    ]
