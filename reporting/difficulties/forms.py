"""Forms of difficulties and proposals: raising one (agency staff) and answering it (the DFA)."""
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.forms import limited_text
from reporting.models import Difficulty, DifficultyKind, DifficultyStatus
from tasks.models import Task


class DifficultyForm(forms.ModelForm):
    text = limited_text(_("Description"), required=True, rows=6)
    # a new one with every empty form; the same one when the form is sent twice
    # (reporting.difficulties.services.difficulty_raise)
    token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)

    class Meta:
        model = Difficulty
        fields = ["kind", "task", "title", "text"]

    def __init__(self, *args, tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks if tasks is not None else Task.objects.none()
        self.fields["kind"].choices = DifficultyKind.choices


class DifficultyResponseForm(forms.Form):
    text = limited_text(_("Response"), required=True, rows=4)
    status = forms.ChoiceField(label=_("New status"), choices=DifficultyStatus.choices)
