import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The roster manager (专家库管理员, issue 15): reviews applications to the expert roster and manages it;
    binding codes: an account made for an outside expert is bound to their WeChat on first login."""

    dependencies = [
        ('accounts', '0004_supervisor_role'),
    ]

    operations = [
        migrations.CreateModel(
            name='BindingCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code_hash', models.CharField(max_length=64, unique=True, verbose_name='绑定码摘要')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='生成时间')),
                ('expires_at', models.DateTimeField(verbose_name='过期时间')),
                ('used_at', models.DateTimeField(blank=True, null=True, verbose_name='使用时间')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='binding_codes', to=settings.AUTH_USER_MODEL, verbose_name='用户')),
            ],
            options={
                'verbose_name': '账号绑定码',
                'verbose_name_plural': '账号绑定码',
            },
        ),
        migrations.AlterField(
            model_name='rolegrant',
            name='role',
            field=models.CharField(choices=[('worker', '一线服务人员'), ('master', '师傅'), ('apprentice', '徒弟'), ('workshop_leader', '工作室负责人'), ('judge', '裁判'), ('chief_judge', '裁判长'), ('arbitrator', '监督仲裁'), ('dispatcher', '调度员'), ('trainer', '讲师'), ('supervisor', '监管'), ('roster_manager', '专家库管理员'), ('admin', '管理员')], max_length=32, verbose_name='角色'),
        ),
    ]
