from django.db import migrations, models


class Migration(migrations.Migration):
    """The roster manager (专家库管理员, issue 15): reviews applications to the expert roster and manages it."""

    dependencies = [
        ('accounts', '0004_supervisor_role'),
    ]

    operations = [
        migrations.AlterField(
            model_name='rolegrant',
            name='role',
            field=models.CharField(choices=[('worker', '一线服务人员'), ('master', '师傅'), ('apprentice', '徒弟'), ('workshop_leader', '工作室负责人'), ('judge', '裁判'), ('chief_judge', '裁判长'), ('arbitrator', '监督仲裁'), ('dispatcher', '调度员'), ('trainer', '讲师'), ('supervisor', '监管'), ('roster_manager', '专家库管理员'), ('admin', '管理员')], max_length=32, verbose_name='角色'),
        ),
    ]
