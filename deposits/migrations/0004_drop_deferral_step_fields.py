"""Deferral applications: the step table and per-step fields go (their content is in core.CaseTransition since
0003)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('deposits', '0003_deferral_on_common_workflow'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='deferralapplication',
            name='approved_by',
        ),
        migrations.RemoveField(
            model_name='deferralapplication',
            name='decided_at',
        ),
        migrations.RemoveField(
            model_name='deferralapplication',
            name='decision_comment',
        ),
        migrations.RemoveField(
            model_name='deferralapplication',
            name='review_comment',
        ),
        migrations.RemoveField(
            model_name='deferralapplication',
            name='reviewed_at',
        ),
        migrations.RemoveField(
            model_name='deferralapplication',
            name='reviewed_by',
        ),
        migrations.RemoveField(
            model_name='deferralapplication',
            name='submitted_by',
        ),
        migrations.RemoveField(
            model_name='historicaldeferralapplication',
            name='approved_by',
        ),
        migrations.RemoveField(
            model_name='historicaldeferralapplication',
            name='decided_at',
        ),
        migrations.RemoveField(
            model_name='historicaldeferralapplication',
            name='decision_comment',
        ),
        migrations.RemoveField(
            model_name='historicaldeferralapplication',
            name='review_comment',
        ),
        migrations.RemoveField(
            model_name='historicaldeferralapplication',
            name='reviewed_at',
        ),
        migrations.RemoveField(
            model_name='historicaldeferralapplication',
            name='reviewed_by',
        ),
        migrations.RemoveField(
            model_name='historicaldeferralapplication',
            name='submitted_by',
        ),
        migrations.DeleteModel(
            name='DeferralTransition',
        ),
    ]
