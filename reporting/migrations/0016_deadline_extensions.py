"""Deadline extensions (gia hạn): the requests and decisions, the granted date on the report, the new timeline events,
and the deadline each reminder counts from (an extension starts a report's reminders again from its new date)."""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import agencies.fields


def reminders_due_from_their_period(apps, schema_editor):
    """Reminders sent before this migration counted from their period's deadline: the synthesis deadline for the
    DFA's digest and synthesis reminders, the agencies' deadline for every other kind (there were no extensions)."""
    Reminder = apps.get_model("reporting", "Reminder")
    ReportingPeriod = apps.get_model("reporting", "ReportingPeriod")
    synthesis = models.Q(kind__in=("digest", "synthesis"))
    for field, rows in (("synthesis_due", Reminder.objects.filter(synthesis)),
                        ("agency_due", Reminder.objects.exclude(synthesis))):
        rows.update(due=models.Subquery(ReportingPeriod.objects.filter(pk=models.OuterRef("period_id")).values(field)))


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0015_synthesis_body_parts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DeadlineExtension',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested at')),
                ('proposed_date', models.DateField(verbose_name='proposed date')),
                ('reason', agencies.fields.NFCTextField(verbose_name='reason')),
                ('state', models.CharField(choices=[('requested', 'Waiting for the DFA'), ('granted', 'Granted'), ('refused', 'Refused')], default='requested', max_length=10, verbose_name='state')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('granted_date', models.DateField(blank=True, null=True, verbose_name='granted date')),
                ('decision_comment', agencies.fields.NFCTextField(blank=True, verbose_name='DFA comment')),
            ],
            options={
                'verbose_name': 'deadline extension',
                'verbose_name_plural': 'deadline extensions',
                'ordering': ['-requested_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalDeadlineExtension',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested at')),
                ('proposed_date', models.DateField(verbose_name='proposed date')),
                ('reason', agencies.fields.NFCTextField(verbose_name='reason')),
                ('state', models.CharField(choices=[('requested', 'Waiting for the DFA'), ('granted', 'Granted'), ('refused', 'Refused')], default='requested', max_length=10, verbose_name='state')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
                ('granted_date', models.DateField(blank=True, null=True, verbose_name='granted date')),
                ('decision_comment', agencies.fields.NFCTextField(blank=True, verbose_name='DFA comment')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical deadline extension',
                'verbose_name_plural': 'historical deadline extensions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RemoveConstraint(
            model_name='reminder',
            name='one_reminder_per_stage',
        ),
        migrations.AddField(
            model_name='reminder',
            name='due',
            field=models.DateField(null=True, verbose_name='deadline'),
        ),
        migrations.RunPython(reminders_due_from_their_period, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='reminder',
            name='due',
            field=models.DateField(verbose_name='deadline'),
        ),
        migrations.AddField(
            model_name='report',
            name='extended_due',
            field=models.DateField(blank=True, null=True, verbose_name='deadline extended to'),
        ),
        migrations.AlterField(
            model_name='reportevent',
            name='kind',
            field=models.CharField(choices=[('submitted', 'Submitted'), ('returned', 'Returned for changes'), ('accepted', 'Accepted'), ('reopened', 'Reopened'), ('extension_requested', 'Extension requested'), ('extension_granted', 'Extension granted'), ('extension_refused', 'Extension refused')], max_length=20, verbose_name='event'),
        ),
        migrations.AddConstraint(
            model_name='reminder',
            constraint=models.UniqueConstraint(fields=('period', 'recipient', 'kind', 'offset', 'due'), name='one_reminder_per_stage'),
        ),
        migrations.AddField(
            model_name='deadlineextension',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddField(
            model_name='deadlineextension',
            name='report',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='extensions', to='reporting.report', verbose_name='report'),
        ),
        migrations.AddField(
            model_name='deadlineextension',
            name='requested_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by'),
        ),
        migrations.AddField(
            model_name='historicaldeadlineextension',
            name='decided_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddField(
            model_name='historicaldeadlineextension',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicaldeadlineextension',
            name='report',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reporting.report', verbose_name='report'),
        ),
        migrations.AddField(
            model_name='historicaldeadlineextension',
            name='requested_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by'),
        ),
        migrations.AddField(
            model_name='reportevent',
            name='extension',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='events', to='reporting.deadlineextension'),
        ),
        migrations.AddIndex(
            model_name='deadlineextension',
            index=models.Index(fields=['state', 'requested_at'], name='extension_pending'),
        ),
        migrations.AddConstraint(
            model_name='deadlineextension',
            constraint=models.UniqueConstraint(condition=models.Q(('state', 'requested')), fields=('report',), name='one_pending_extension_per_report'),
        ),
    ]
