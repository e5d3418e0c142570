import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Scan logs, runs, step records and reviews moved here from workorders; they keep their tables
    (docs/adr/0003)."""

    initial = True

    dependencies = [
        ('workorders', '0002_work_order_lifecycle'),
        ('accounts', '0001_initial'),
        ('standards', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (created by workorders 0001); only Django's idea of who owns them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ScanLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=64, verbose_name='扫描内容')),
                        ('outcome', models.CharField(choices=[('ok', '成功'), ('unknown', '未知二维码'), ('revoked', '二维码已作废'), ('inactive', '实操点已停用')], max_length=16, verbose_name='结果')),
                        ('source', models.CharField(choices=[('camera', '扫码'), ('manual', '手动输入')], default='camera', max_length=16, verbose_name='方式')),
                        ('scanned_at', models.DateTimeField(db_index=True, verbose_name='服务器时间')),
                        ('client_time', models.DateTimeField(blank=True, null=True, verbose_name='手机时间')),
                        ('latitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='纬度')),
                        ('longitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='经度')),
                        ('accuracy_m', models.FloatField(blank=True, null=True, verbose_name='定位精度（米）')),
                        ('distance_m', models.FloatField(blank=True, null=True, verbose_name='距实操点（米）')),
                        ('flags', models.JSONField(blank=True, default=list, verbose_name='可疑标记')),
                        ('suspicious', models.BooleanField(default=False, verbose_name='可疑')),
                        ('via_sync', models.BooleanField(default=False, verbose_name='离线补传')),
                        ('point', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='scans', to='standards.practicepoint', verbose_name='实操点')),
                        ('qr', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='scans', to='standards.qrcode', verbose_name='二维码')),
                        ('user', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='scans', to=settings.AUTH_USER_MODEL, verbose_name='扫码人')),
                    ],
                    options={
                        'verbose_name': '扫码记录',
                        'verbose_name_plural': '扫码记录',
                        'db_table': 'workorders_scanlog',
                        'ordering': ['-scanned_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ProcedureRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('client_id', models.CharField(max_length=100, verbose_name='客户端编号')),
                        ('flags', models.JSONField(blank=True, default=list, verbose_name='可疑标记')),
                        ('status', models.CharField(choices=[('open', '进行中'), ('completed', '已完成')], default='open', max_length=16, verbose_name='状态')),
                        ('verdict', models.CharField(blank=True, choices=[('pass', '合格'), ('flag', '关注'), ('fail', '不合格')], max_length=8, null=True, verbose_name='结论')),
                        ('started_at', models.DateTimeField(verbose_name='开始时间（手机）')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='接收时间')),
                        ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间（手机）')),
                        ('completed_received_at', models.DateTimeField(blank=True, null=True, verbose_name='完成接收时间')),
                        ('performer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='procedure_runs', to=settings.AUTH_USER_MODEL, verbose_name='实操人')),
                        ('point', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='runs', to='standards.practicepoint', verbose_name='实操点')),
                        ('procedure', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='runs', to='standards.procedure', verbose_name='作业规程')),
                        ('qr', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='runs', to='standards.qrcode', verbose_name='二维码')),
                        ('studio', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='工作室')),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='runs', to='standards.procedureversion', verbose_name='规程版本')),
                        ('scan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='runs', to='practice.scanlog', verbose_name='扫码记录')),
                    ],
                    options={
                        'verbose_name': '实操记录',
                        'verbose_name_plural': '实操记录',
                        'db_table': 'workorders_procedurerun',
                        'ordering': ['-started_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='StepRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('client_id', models.CharField(max_length=100, verbose_name='客户端编号')),
                        ('value', models.JSONField(blank=True, null=True, verbose_name='取值')),
                        ('value_number', models.DecimalField(blank=True, decimal_places=4, max_digits=16, null=True, verbose_name='数值')),
                        ('verdict', models.CharField(choices=[('pass', '合格'), ('flag', '关注'), ('fail', '不合格')], max_length=8, verbose_name='结论')),
                        ('note', models.TextField(blank=True, verbose_name='备注')),
                        ('recorded_at', models.DateTimeField(verbose_name='记录时间（手机）')),
                        ('received_at', models.DateTimeField(auto_now_add=True, verbose_name='接收时间')),
                        ('is_correction', models.BooleanField(default=False, verbose_name='更正')),
                        ('correction_reason', models.TextField(blank=True, verbose_name='更正原因')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='step_records', to=settings.AUTH_USER_MODEL, verbose_name='记录人')),
                        ('run', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='records', to='practice.procedurerun', verbose_name='实操记录')),
                        ('step', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='records', to='standards.step', verbose_name='步骤')),
                        ('supersedes', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='practice.steprecord', verbose_name='取代的记录')),
                    ],
                    options={
                        'verbose_name': '步骤记录',
                        'verbose_name_plural': '步骤记录',
                        'db_table': 'workorders_steprecord',
                        'ordering': ['run_id', 'step__position', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='RunReview',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('decision', models.CharField(choices=[('approved', '通过'), ('rejected', '退回')], max_length=16, verbose_name='结论')),
                        ('comment', models.TextField(blank=True, verbose_name='意见')),
                        ('client_id', models.CharField(blank=True, max_length=100, null=True, verbose_name='客户端编号')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='审核时间')),
                        ('reviewer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='run_reviews', to=settings.AUTH_USER_MODEL, verbose_name='审核人')),
                        ('run', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reviews', to='practice.procedurerun', verbose_name='实操记录')),
                    ],
                    options={
                        'verbose_name': '实操审核',
                        'verbose_name_plural': '实操审核',
                        'db_table': 'workorders_runreview',
                        'ordering': ['run_id', 'created_at', 'id'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('client_id__isnull', False)), fields=('reviewer', 'client_id'), name='runreview_unique_client_id')],
                    },
                ),
                migrations.AddIndex(
                    model_name='scanlog',
                    index=models.Index(fields=['point', 'scanned_at'], name='workorders__point_i_4654ab_idx'),
                ),
                migrations.AddIndex(
                    model_name='scanlog',
                    index=models.Index(fields=['user', 'scanned_at'], name='workorders__user_id_cf986d_idx'),
                ),
                migrations.AddIndex(
                    model_name='scanlog',
                    index=models.Index(condition=models.Q(('suspicious', True)), fields=['scanned_at'], name='scanlog_suspicious'),
                ),
                migrations.AddIndex(
                    model_name='procedurerun',
                    index=models.Index(fields=['studio', 'started_at'], name='workorders__studio__7942d6_idx'),
                ),
                migrations.AddIndex(
                    model_name='procedurerun',
                    index=models.Index(fields=['performer', 'point', 'status'], name='workorders__perform_30811d_idx'),
                ),
                migrations.AddIndex(
                    model_name='procedurerun',
                    index=models.Index(fields=['procedure', 'performer'], name='workorders__procedu_4a7844_idx'),
                ),
                migrations.AddConstraint(
                    model_name='procedurerun',
                    constraint=models.UniqueConstraint(fields=('performer', 'client_id'), name='procedurerun_unique_client_id'),
                ),
                migrations.AddIndex(
                    model_name='steprecord',
                    index=models.Index(fields=['run', 'step'], name='workorders__run_id_6a2c23_idx'),
                ),
                migrations.AddConstraint(
                    model_name='steprecord',
                    constraint=models.UniqueConstraint(fields=('recorded_by', 'client_id'), name='steprecord_unique_client_id'),
                ),
            ],
        ),
    ]
