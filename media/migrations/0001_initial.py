import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Photo moved here from workorders; it keeps its table (docs/adr/0003)."""

    initial = True

    dependencies = [
        ('workorders', '0002_work_order_lifecycle'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (created by workorders 0001); only Django's idea of who owns them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Photo',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('client_id', models.CharField(blank=True, max_length=100, null=True, verbose_name='客户端编号')),
                        ('file', models.FileField(max_length=200, upload_to='photos/%Y/%m/', verbose_name='图片')),
                        ('thumbnail', models.FileField(max_length=200, upload_to='photos/%Y/%m/', verbose_name='缩略图')),
                        ('content_type', models.CharField(max_length=32, verbose_name='类型')),
                        ('original_format', models.CharField(max_length=16, verbose_name='原始格式')),
                        ('width', models.PositiveIntegerField(verbose_name='宽')),
                        ('height', models.PositiveIntegerField(verbose_name='高')),
                        ('size_bytes', models.PositiveIntegerField(verbose_name='大小（字节）')),
                        ('sha256', models.CharField(db_index=True, max_length=64, verbose_name='原图摘要')),
                        ('taken_at', models.DateTimeField(blank=True, help_text='来自照片的 EXIF', null=True, verbose_name='拍摄时间')),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True, verbose_name='上传时间')),
                        ('owner_id', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='归属编号')),
                        ('attached_at', models.DateTimeField(blank=True, null=True, verbose_name='关联时间')),
                        ('owner_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype', verbose_name='归属类型')),
                        ('uploader', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='photos', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
                    ],
                    options={
                        'verbose_name': '照片',
                        'verbose_name_plural': '照片',
                        'db_table': 'workorders_photo',
                        'ordering': ['-uploaded_at'],
                        'indexes': [models.Index(fields=['owner_type', 'owner_id'], name='workorders__owner_t_2469d1_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('client_id__isnull', False)), fields=('uploader', 'client_id'), name='photo_unique_client_id')],
                    },
                ),
            ],
        ),
    ]
