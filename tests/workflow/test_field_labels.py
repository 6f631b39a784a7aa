"""Every data field of every workflow has a label, so that forms and histories never show a
code such as ``device_id`` to an officer."""

from __future__ import annotations

from flask_babel import force_locale

from casework.workflow.catalog import get_catalog
from casework.workflow.labels import FIELD_LABELS, field_label


def test_every_data_field_has_a_vietnamese_label(app):
    names = {f.name for d in get_catalog().all() for t in d.transitions
             for f in (t.data.fields if t.data is not None else ())}
    assert names
    missing = sorted(n for n in names if n not in FIELD_LABELS)
    assert missing == [], missing
    with app.test_request_context(), force_locale("vi"):
        untranslated = sorted(n for n in names if field_label(n) == str(FIELD_LABELS[n])
                              and any(c.isascii() and c.isalpha() for c in field_label(n))
                              and field_label(n).isascii())
    assert untranslated == []
