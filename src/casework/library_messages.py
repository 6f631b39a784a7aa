"""The libraries' own messages (marshmallow, webargs, WTForms) in the user's language.

marshmallow and webargs write their default messages ("Missing data for required field.",
"Longer than maximum length {max}.") in English when a class is defined, and format them
when they fail; they have no translation hook. casework translates what they produced:
:class:`casework.validation.Schema`, the base of every schema, passes the messages of a
failed load through :func:`translate_messages` (so do the API's error answers, for what
webargs adds itself). A message is recognised by its English template, its values (the
``{max}``, the ``{input}``) are kept and put into the translated template.

WTForms asks its form's ``meta`` for translations: :class:`Form` answers from casework's own
catalogue (WTForms ships none for Vietnamese).

The templates are listed below with ``N_``/``N_plural`` so that ``scripts/translations.sh``
extracts them; ``tests/test_library_messages.py`` checks that the list holds every default
message of the installed libraries and that each has a Vietnamese translation.
"""

from __future__ import annotations

import re
from functools import cache
from string import Formatter
from typing import Any

from flask import has_app_context
from flask_babel import get_translations
from flask_wtf import FlaskForm

from casework.i18n import N_


def N_plural(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802
    """Mark a message with a plural form for translation."""
    return singular, plural


# marshmallow 4 (fields, schema, validators) and webargs 8, as they render them: the
# date-time fields' ``{obj_type}``/``{awareness}`` and Range's comparisons are filled in.
MARSHMALLOW = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Unknown field."),
    N_("Invalid input."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid time."),
    N_("Not a valid aware datetime."),
    N_("Not a valid naive datetime."),
    N_("Not a valid aware time."),
    N_("Not a valid naive time."),
    N_('"{input}" cannot be formatted as a date.'),
    N_('"{input}" cannot be formatted as a datetime.'),
    N_('"{input}" cannot be formatted as a time.'),
    N_("Not a valid period of time."),
    N_("{input!r} cannot be formatted as a timedelta."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid mapping type."),
    N_("Not a valid delimited list."),
    N_("Not a valid delimited tuple."),
    N_("Not a valid URL."),
    N_("Not a valid email address."),
    N_("Not a valid UUID."),
    N_("Not a valid IP address."),
    N_("Not a valid IPv4 address."),
    N_("Not a valid IPv6 address."),
    N_("Not a valid IP interface."),
    N_("Not a valid IPv4 interface."),
    N_("Not a valid IPv6 interface."),
    N_("Must be one of: {choices}."),
    N_("One or more of the choices you made was not in: {choices}."),
    N_("One or more of the choices you made was in: {values}."),
    N_("Must be equal to {other}."),
    N_("String does not match expected pattern."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Invalid JSON body."),
)

# WTForms 3 (its wtforms.pot); WTForms itself fills in the %-placeholders after translating.
WTFORMS = (
    N_("Invalid field name '%s'."),
    N_("Field must be equal to %(other_name)s."),
    N_plural("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long."),
    N_plural("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters."),
    N_plural("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("This field is required."),
    N_("Invalid email address."),
    N_("Invalid IP address."),
    N_("Invalid Mac address."),
    N_("Invalid URL."),
    N_("Invalid UUID."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
    N_("Invalid CSRF Token."),
    N_("CSRF token missing."),
    N_("CSRF failed."),
    N_("CSRF token expired."),
    N_("Invalid Choice: could not coerce."),
    N_("Choices cannot be None."),
    N_("Not a valid choice."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_plural("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field."),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Not a valid week value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
)


# --- marshmallow and webargs: recognise, then translate --------------------------------------


def template_pattern(template: str) -> re.Pattern:
    """A regular expression matching ``template`` as ``str.format`` renders it, with a
    named group for each of its fields (``{min}``, ``{input!r}``)."""
    parts = []
    for literal, name, _spec, _conversion in Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            group = f"(?P<{name}>.*?)"
            parts.append(f"(?P={name})" if f"(?P<{name}>" in "".join(parts) else group)
    return re.compile("".join(parts), re.DOTALL)


def _fill(template: str, values: dict[str, str]) -> str:
    """``template`` with its fields replaced by the text found for them, as it was shown
    (no conversion or format spec applied a second time)."""
    out = []
    for literal, name, _spec, _conversion in Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def _literal_length(template: str) -> int:
    return sum(len(literal) for literal, *_rest in Formatter().parse(template))


@cache
def _patterns() -> tuple[dict[str, str], tuple[tuple[re.Pattern, str], ...]]:
    plain = {t: t for t in MARSHMALLOW if "{" not in t}
    # The most specific first: "Must be greater than {min} and less than {max}." before
    # "Must be greater than {min}.", whose {min} would otherwise swallow the rest.
    formatted = tuple((template_pattern(t), t) for t in sorted(
        (t for t in MARSHMALLOW if "{" in t), key=_literal_length, reverse=True))
    return plain, formatted


def translate(message: Any) -> Any:
    """``message`` in the user's language if it is one of the libraries' messages;
    anything else (casework's own messages, already translated) is returned as it is."""
    if not isinstance(message, str) or not has_app_context():
        return message
    plain, formatted = _patterns()
    template = plain.get(message)
    if template is not None:
        return get_translations().ugettext(template)
    for pattern, template in formatted:
        found = pattern.fullmatch(message)
        if found:
            return _fill(get_translations().ugettext(template), found.groupdict())
    return message


def translate_messages(messages: Any) -> Any:
    """marshmallow's messages (a message, a list, or a dict of them, nested) translated."""
    if isinstance(messages, dict):
        return {key: translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_messages(value) for value in messages]
    return translate(messages)


# --- WTForms ----------------------------------------------------------------------------------


class _CataloguedTranslations:
    """What WTForms asks its ``meta`` for: casework's catalogue, without formatting (WTForms
    fills in the placeholders itself)."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


class Form(FlaskForm):
    """Flask-WTF's form whose default messages ("This field is required.") are in the
    user's language."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _CataloguedTranslations()
