"""The events' data, validated as a Django view would: the counterpart of the engine's
marshmallow schemas for ``bench_case`` (bench/common.py)."""

from __future__ import annotations

from django import forms

from bench.common import SAMPLES


class CheckForm(forms.Form):
    check_date = forms.DateField()
    sample = forms.ChoiceField(choices=[(s, s) for s in SAMPLES])
    amount = forms.IntegerField(min_value=0, max_value=100)
    facility = forms.CharField()
    flag = forms.BooleanField(required=False)


class ReleaseForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea)
