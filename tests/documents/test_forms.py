"""The forms are data: the catalogue names a template for each decision, the templates are
the ones scripts/build_forms.py writes, and each fills without a tag left over."""

from __future__ import annotations

import importlib.util
import io
import zipfile

import pytest

from casework.documents import services
from casework.resources import resource_dir

ROOT = resource_dir("forms")


def _build_script():
    spec = importlib.util.spec_from_file_location(
        "build_forms", ROOT.parent / "scripts" / "build_forms.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_form_has_its_template():
    codes = [f.code for f in services.forms()]
    assert codes == ["mau-07", "mau-24", "mau-51", "giam-sat"]
    for form in services.forms():
        assert (ROOT / form.template).is_file(), form.template
    assert [f.code for f in services.forms() if f.provisional(1)] == ["giam-sat"]
    assert all(f.provisional(2) for f in services.forms())


@pytest.mark.skipif(not (ROOT.parent / "scripts" / "build_forms.py").is_file(),
                    reason="an installed package has no scripts/")
def test_the_committed_templates_are_the_scripts_output():
    """Edited in Word they may differ; then this says so, and the script is updated or the
    edit is kept on purpose."""
    for name, build in _build_script().BUILDERS.items():
        out = io.BytesIO()
        build().save(out)
        built = zipfile.ZipFile(out).read("word/document.xml")
        assert built == zipfile.ZipFile(ROOT / name).read("word/document.xml"), name


@pytest.mark.parametrize("form", services.forms(), ids=lambda f: f.code)
def test_each_template_fills_with_no_tag_left(form):
    context = {name: f"<{name}>" for name in (
        "form_no", "annex", "title", "provisional_note", "issuer", "unit_name",
        "unit_name_upper", "place", "decision_no", "decision_date", "day", "month", "year",
        "law", "legal_basis", "full_name", "birth_date", "gender", "national_id",
        "residence", "address", "area", "signer_post", "signer_post_upper", "signer_name",
        "months", "start_date", "facility", "setting_vi", "device_id")}
    content = services.render(form, context)
    xml = zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml").decode()
    assert "{{" not in xml and "{%" not in xml
    assert "&lt;full_name&gt;" in xml and "&lt;decision_no&gt;" in xml
