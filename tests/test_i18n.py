"""The Vietnamese catalogue is complete, and the compiled one matches its source."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "src/casework/translations/vi/LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "N_": None, "N_plural": (1, 2)}  # N_: marked only (casework.i18n)


def _source_messages() -> set[str]:
    found = set()
    for directory, method_map in ((ROOT / "src", [("**.py", "python")]),
                                  (ROOT / "templates", [("**.html", "jinja2")])):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            directory, method_map=method_map, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _catalogue(path):
    with open(path, "rb") as fh:
        return read_po(fh) if path.suffix == ".po" else read_mo(fh)


def test_every_ui_text_has_a_vietnamese_translation():
    po = _catalogue(CATALOGUE / "messages.po")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in po
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(_source_messages() - translated)
    assert not missing, (
        "untranslated texts; run scripts/translations.sh and fill them in: " + repr(missing)
    )


def test_compiled_catalogue_is_up_to_date():
    po = _catalogue(CATALOGUE / "messages.po")
    mo = _catalogue(CATALOGUE / "messages.mo")
    # Untranslated entries are not compiled; the completeness test above reports them.
    source = {_key(m.id): _key(m.string) for m in po
              if m.id and not m.fuzzy and all(_key(m.string) if m.pluralizable else [m.string])}
    compiled = {_key(m.id): _key(m.string) for m in mo if m.id}
    assert compiled == source, "run scripts/translations.sh to recompile messages.mo"


def test_translations_keep_their_placeholders():
    import re

    for message in _catalogue(CATALOGUE / "messages.po"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[0]))
        for string in filter(None, strings):
            assert set(re.findall(r"%\(\w+\)[sd]", string)) == wanted, message.id
