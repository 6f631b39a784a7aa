#!/usr/bin/env bash
# Refresh the translation catalogue after changing UI text:
#   scripts/translations.sh          extract, merge into vi, compile
# Then fill in every empty msgstr of src/casework/translations/vi/LC_MESSAGES/messages.po
# and run it again to compile. tests/test_i18n.py fails while any entry is untranslated.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
pot=$(mktemp --suffix=.pot)
trap 'rm -f "$pot"' EXIT
$py -m babel.messages.frontend extract -F babel.cfg -k _l -k lazy_gettext -k N_plural:1,2 --no-location \
  --sort-output --project=casework -o "$pot" . >/dev/null
if [ -f src/casework/translations/vi/LC_MESSAGES/messages.po ]; then
  $py -m babel.messages.frontend update -i "$pot" -d src/casework/translations -l vi \
    --no-fuzzy-matching --ignore-obsolete
else
  $py -m babel.messages.frontend init -i "$pot" -d src/casework/translations -l vi
fi
$py -m babel.messages.frontend compile -d src/casework/translations --statistics
