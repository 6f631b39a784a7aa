"""The libraries' own messages (marshmallow, webargs, WTForms) are in the user's language.

The default messages are collected from the installed libraries themselves, so a new
version with a new message fails here until it is listed and translated.
"""

from __future__ import annotations

import inspect
import itertools
import re
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from casework.library_messages import MARSHMALLOW, WTFORMS, translate

CATALOGUE = (Path(__file__).resolve().parent.parent
             / "src/casework/translations/vi/LC_MESSAGES/messages.po")


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def marshmallow_defaults() -> set[str]:
    """Every default message of marshmallow's and webargs' fields, schemas and validators,
    as they render it (the date-time fields' types and Range's comparisons filled in)."""
    import webargs.core
    import webargs.fields  # noqa: F401 - registers webargs' field classes
    from marshmallow import Schema, fields, validate

    found: set[str] = set()
    for cls in {fields.Field, *_subclasses(fields.Field)}:
        obj_type = getattr(cls, "OBJ_TYPE", None)
        for template in getattr(cls, "default_error_messages", {}).values():
            if "{obj_type}" in template and obj_type is None:
                continue  # an abstract base; its subclasses say which type
            for awareness in ("aware", "naive"):
                found.add(template.replace("{obj_type}", obj_type or "")
                          .replace("{awareness}", awareness))
    found.update(Schema._default_error_messages.values())
    for _name, cls in inspect.getmembers(validate, inspect.isclass):
        if cls is validate.Range:
            continue
        for attr in ("default_message", "message_min", "message_max", "message_all",
                     "message_equal"):
            if isinstance(getattr(cls, attr, None), str):
                found.add(getattr(cls, attr))
    for min_inclusive, max_inclusive in itertools.product((True, False), repeat=2):
        limits = validate.Range(min=0, max=1, min_inclusive=min_inclusive,
                                max_inclusive=max_inclusive)
        found.update({limits.message_min, limits.message_max, limits.message_all})
    found.add(webargs.core.Parser.DEFAULT_VALIDATION_MESSAGE)
    found.add("Invalid JSON body.")  # webargs.flaskparser's answer to unreadable JSON
    return found


def wtforms_defaults(plurals: bool = False) -> set[str]:
    """Every message WTForms translates (its own catalogue template); with ``plurals`` the
    plural forms too."""
    from wtforms.i18n import messages_path

    with open(Path(messages_path()) / "wtforms.pot", "rb") as fh:
        ids = [m.id for m in read_po(fh) if m.id]
    if plurals:
        return {i for m in ids for i in ((m,) if isinstance(m, str) else m)}
    return {m if isinstance(m, str) else m[0] for m in ids}


def _finder(template: str) -> re.Pattern:
    """A pattern that finds ``template``, rendered, within one line of a longer text: its
    values are what stands between its words (a value at either end is left out)."""
    parts = [re.escape(literal) for literal, *_rest in Formatter().parse(template)]
    return re.compile(r"[^\n]*?".join(p for p in parts if p))


def default_patterns() -> list:
    """Patterns that find any library default message, rendered, in a text."""
    wtforms = [re.sub(r"%(\(\w+\))?[sd]", "{value}", t)
               for t in wtforms_defaults(plurals=True)]
    return [_finder(t) for t in sorted(marshmallow_defaults() | set(wtforms))]


def english_defaults_in(text: str, patterns=None) -> list[str]:
    return sorted({p.pattern for p in patterns or default_patterns() if p.search(text)})


def _translated() -> dict[str, object]:
    with open(CATALOGUE, "rb") as fh:
        return {(m.id if isinstance(m.id, str) else m.id[0]): m.string
                for m in read_po(fh) if m.id and not m.fuzzy}


def test_every_default_message_of_the_libraries_is_listed():
    listed = {t if isinstance(t, str) else t[0] for t in MARSHMALLOW + WTFORMS}
    assert marshmallow_defaults() - listed == set()
    assert wtforms_defaults() - listed == set()


def test_every_default_message_has_a_vietnamese_translation():
    translated = _translated()
    for template in marshmallow_defaults() | wtforms_defaults():
        string = translated.get(template)
        strings = string if isinstance(string, tuple) else (string,)
        assert string and all(strings), template
        assert all(s != template for s in strings), template


# (what marshmallow or webargs rendered, in Vietnamese)
CASES = [
    ("Missing data for required field.", "Chưa nhập trường bắt buộc này."),
    ("Unknown field.", "Không có trường này (không được chấp nhận)."),
    ("Not a valid date.", "Không phải là ngày hợp lệ."),
    ("Not a valid integer.", "Không phải là số nguyên hợp lệ."),
    ("Longer than maximum length 200.", "Dài quá mức tối đa 200 ký tự."),
    ("Length must be between 2 and 200.", "Độ dài phải từ 2 đến 200 ký tự."),
    ("Must be greater than or equal to 1 and less than or equal to 500.",
     "Phải từ 1 đến 500."),
    ("Must be greater than or equal to 0.", "Phải lớn hơn hoặc bằng 0."),
    ("Must be one of: male, female, other.",
     "Phải là một trong các giá trị: male, female, other."),
    ('"31/02/2025" cannot be formatted as a date.',
     "“31/02/2025” không phải là một ngày hợp lệ."),
    ("Not a valid aware datetime.", "Ngày giờ phải kèm múi giờ."),
    ("Invalid value.", "Giá trị không hợp lệ."),
]


@pytest.mark.parametrize(("english", "vietnamese"), CASES, ids=[c[0] for c in CASES])
def test_a_default_message_is_translated_with_its_values(app, english, vietnamese):
    with app.test_request_context("/"):
        with force_locale("vi"):
            assert translate(english) == vietnamese
        with force_locale("en"):
            assert translate(english) == english


@pytest.mark.parametrize("own", [
    "Chưa nhập trường bắt buộc này.",  # already translated
    "The test date may not be in the future.",  # casework's own, translated where raised
    "Must be one of",  # a library message's beginning is not the message
    "Not a valid date. And more.",
])
def test_other_messages_are_left_as_they_are(app, own):
    with app.test_request_context("/"), force_locale("vi"):
        assert translate(own) == own


def test_the_finder_finds_rendered_defaults():
    """The sweeps below would notice an English default: their finder does find them."""
    patterns = default_patterns()
    for english, _vi in CASES:
        assert english_defaults_in(f"<p>{english}</p>", patterns), english
    assert english_defaults_in("Field cannot be longer than 64 characters.", patterns)
    assert english_defaults_in("This field is required.", patterns)
    assert not english_defaults_in("Chưa nhập trường bắt buộc này.", patterns)


def test_every_schema_of_casework_translates_its_messages(app):
    """The translation sits in the schemas' base: a schema that skipped it would answer in
    English."""
    import marshmallow

    from casework.validation import Schema

    ours = [c for c in _subclasses(marshmallow.Schema) if c.__module__.startswith("casework")]
    assert len(ours) > 30
    assert [c.__qualname__ for c in ours if not issubclass(c, Schema)] == []


def test_messages_are_translated_outside_requests_too(app):
    """The command line (imports, the demo) has no request: the app's default language."""
    from marshmallow import ValidationError

    from casework.people.schemas import PersonCreateSchema

    with pytest.raises(ValidationError) as caught:
        PersonCreateSchema().load({"full_name": "A" * 300, "no_such_field": 1})
    messages = caught.value.messages
    assert messages["birth_date"] == ["Chưa nhập trường bắt buộc này."]
    assert messages["no_such_field"] == ["Không có trường này (không được chấp nhận)."]
