"""Write the .docx templates of the official documents in forms/ (python-docx).

    .venv/bin/python scripts/build_forms.py

The templates are docxtpl templates: Word files with Jinja tags ({{ full_name }}) that
casework fills in (casework.documents.services.context_for lists the names). A legal officer
may edit them in Word afterwards; running this script again writes them afresh from the
layout below, which follows the annexes of Decree 105/2021 (Mẫu 07) and Decree 116/2021
(Mẫu 24, 51) as far as ../shared/reference shows them: the issuing body and the national
motto side by side, the number and the place and date, the title, the signer's power, the
legal bases ("Căn cứ"), the articles, the recipients and the signature. The monitoring
decision has no official form; its layout is ours, marked "mẫu tạm".
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

FIXED = datetime(2026, 12, 3)  # the files' own dates: the same on every run
OUT = Path(__file__).resolve().parent.parent / "forms"
CENTER, RIGHT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY


def _para(container, text="", *, bold=False, italic=False, underline=False, align=None,
          size=13, space_after=3):
    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.space_before = Pt(0)
    if text:
        run = p.add_run(text)  # one run per paragraph: a Jinja tag is never split
        run.bold, run.italic, run.underline = bold, italic, underline
        run.font.size = Pt(size)
    return p


def _cell(table, row, col):
    cell = table.cell(row, col)
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    return cell


def _document():
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    return doc


def _header(doc, number_suffix: str):
    _para(doc, "{{ form_no }}", bold=True, align=RIGHT, size=12, space_after=0)
    _para(doc, "({{ annex }})", italic=True, align=RIGHT, size=11)
    _para(doc, "{{ provisional_note }}", bold=True, align=CENTER, size=12)
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, right = _cell(table, 0, 0), _cell(table, 0, 1)
    left.width, right.width = Cm(6.5), Cm(9.5)
    _para(left, "{{ issuer }}", align=CENTER, size=12, space_after=0)
    _para(left, "{{ unit_name_upper }}", bold=True, align=CENTER, size=12, space_after=0)
    _para(left, "-------", align=CENTER, size=12)
    _para(left, "Số: {{ decision_no }}" + number_suffix, align=CENTER, size=12)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=CENTER, size=12,
          space_after=0)
    _para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, underline=True, align=CENTER,
          space_after=0)
    _para(right, "---------------", align=CENTER, size=12)
    _para(right, "{{ place }}, ngày {{ day }} tháng {{ month }} năm {{ year }}", italic=True,
          align=CENTER, size=12)
    _para(doc, "")


def _title(doc, title: str, about: str, power: str):
    _para(doc, title, bold=True, align=CENTER, space_after=0)
    _para(doc, about, bold=True, align=CENTER, space_after=0)
    _para(doc, "-----------", align=CENTER)
    _para(doc, power, bold=True, align=CENTER, space_after=6)


def _bases(doc, *lines: str):
    for line in lines:
        _para(doc, line, italic=True, align=JUSTIFY)


def _identity(doc):
    for line in ("Họ và tên: {{ full_name }}; Giới tính: {{ gender }}",
                 "Ngày, tháng, năm sinh: {{ birth_date }}",
                 "Số định danh cá nhân/Căn cước: {{ national_id }}",
                 "Nơi cư trú ({{ residence }}): {{ address }}; {{ area }}"):
        _para(doc, line, align=JUSTIFY)


def _articles(doc, *articles: str):
    for text in articles:
        _para(doc, text, align=JUSTIFY)


def _signature(doc, recipients: tuple[str, ...]):
    _para(doc, "")
    table = doc.add_table(rows=1, cols=2)
    left, right = _cell(table, 0, 0), _cell(table, 0, 1)
    left.width, right.width = Cm(7.5), Cm(8.5)
    _para(left, "Nơi nhận:", bold=True, italic=True, size=12, space_after=0)
    for line in recipients:
        _para(left, line, size=11, space_after=0)
    _para(right, "{{ signer_post_upper }}", bold=True, align=CENTER, space_after=0)
    _para(right, "(Ký, ghi rõ họ tên và đóng dấu)", italic=True, align=CENTER, size=12)
    for _ in range(3):
        _para(right, "")
    _para(right, "{{ signer_name }}", bold=True, align=CENTER)


COMMON_BASES = (
    "Căn cứ Luật Tổ chức chính quyền địa phương;",
    "Căn cứ Luật Phòng, chống ma túy; {{ legal_basis }} ({{ law }});",
)


def mau_07():
    doc = _document()
    _header(doc, "")
    _title(doc, "QUYẾT ĐỊNH",
           "Về việc áp dụng biện pháp quản lý người sử dụng trái phép chất ma túy",
           "CHỦ TỊCH ỦY BAN NHÂN DÂN {{ unit_name_upper }}")
    _bases(doc, *COMMON_BASES,
           "Căn cứ Thông báo về hành vi sử dụng trái phép chất ma túy và Phiếu kết quả xét "
           "nghiệm chất ma túy trong cơ thể;")
    _para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER, space_after=6)
    _articles(doc, "Điều 1. Áp dụng biện pháp quản lý người sử dụng trái phép chất ma túy "
                   "đối với:")
    _identity(doc)
    _articles(
        doc,
        "Thời hạn quản lý: 01 năm, kể từ ngày {{ decision_date }}.",
        "Điều 2. Giao Công an {{ unit_name }} lập danh sách người sử dụng trái phép chất ma "
        "túy quản lý tại địa phương và tổ chức xét nghiệm chất ma túy trong cơ thể trong thời "
        "hạn quản lý; Tổ quản lý người sử dụng trái phép chất ma túy do cán bộ Công an cấp xã "
        "làm Tổ trưởng thực hiện việc tư vấn, động viên, giáo dục, giúp đỡ người bị quản lý.",
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Người có tên tại Điều 1, Công an "
        "{{ unit_name }}, Tổ quản lý và các cơ quan, tổ chức, cá nhân có liên quan chịu trách "
        "nhiệm thi hành Quyết định này.")
    _signature(doc, ("- Như Điều 3;", "- Gia đình người bị quản lý;", "- Lưu: VT."))
    return doc


def mau_24():
    doc = _document()
    _header(doc, "")
    _title(doc, "QUYẾT ĐỊNH", "Về việc cai nghiện ma túy tự nguyện {{ setting_vi }}",
           "CHỦ TỊCH ỦY BAN NHÂN DÂN {{ unit_name_upper }}")
    _bases(doc, *COMMON_BASES,
           "Xét hồ sơ đăng ký cai nghiện ma túy tự nguyện và đề nghị của Trưởng Công an "
           "{{ unit_name }};")
    _para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER, space_after=6)
    _articles(doc, "Điều 1. Cho phép người có tên sau đây được cai nghiện ma túy tự nguyện "
                   "{{ setting_vi }}:")
    _identity(doc)
    _articles(
        doc,
        "Thời gian cai nghiện: {{ months }} tháng, kể từ ngày {{ start_date }}."
        "{% if facility %} Nơi cai nghiện: {{ facility }}.{% endif %}",
        "Điều 2. Người cai nghiện, gia đình người cai nghiện và đơn vị cung cấp dịch vụ cai "
        "nghiện có trách nhiệm thực hiện kế hoạch cai nghiện theo quy định.",
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Công an {{ unit_name }}, người có "
        "tên tại Điều 1 và các cơ quan, tổ chức, cá nhân có liên quan chịu trách nhiệm thi "
        "hành Quyết định này.")
    _signature(doc, ("- Như Điều 3;", "- Gia đình người cai nghiện;",
                     "- Đơn vị cung cấp dịch vụ cai nghiện;", "- Lưu: VT."))
    return doc


def mau_51():
    doc = _document()
    _header(doc, "")
    _title(doc, "QUYẾT ĐỊNH", "Về việc quản lý sau cai nghiện ma túy tại nơi cư trú",
           "CHỦ TỊCH ỦY BAN NHÂN DÂN {{ unit_name_upper }}")
    _bases(doc, *COMMON_BASES,
           "Xét văn bản đề nghị của Trưởng Công an {{ unit_name }};")
    _para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER, space_after=6)
    _articles(doc, "Điều 1. Áp dụng biện pháp quản lý sau cai nghiện ma túy tại nơi cư trú "
                   "đối với:")
    _identity(doc)
    _articles(
        doc,
        "Thời hạn quản lý sau cai nghiện: {{ months }} tháng, kể từ ngày {{ decision_date }}.",
        "Điều 2. Giao Công an {{ unit_name }} đưa người có tên tại Điều 1 vào danh sách quản "
        "lý sau cai nghiện ma túy tại nơi cư trú và tổ chức thực hiện.",
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Người có tên tại Điều 1, gia đình "
        "và các cơ quan, tổ chức, cá nhân có liên quan chịu trách nhiệm thi hành Quyết định "
        "này.")
    _signature(doc, ("- Như Điều 3;", "- Trưởng Công an cấp xã;", "- Lưu: VT."))
    return doc


def giam_sat():
    doc = _document()
    _header(doc, "")
    _title(doc, "QUYẾT ĐỊNH", "Về việc áp dụng biện pháp giám sát điện tử",
           "{{ signer_post_upper }}")
    _bases(doc, "Căn cứ {{ legal_basis }} ({{ law }});")
    _para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER, space_after=6)
    _articles(doc, "Điều 1. Áp dụng biện pháp giám sát điện tử đối với:")
    _identity(doc)
    _articles(
        doc,
        "Thời hạn giám sát: {{ months }} tháng, kể từ ngày {{ decision_date }}."
        "{% if device_id %} Thiết bị: {{ device_id }}.{% endif %}",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký. Người có tên tại Điều 1 và các cơ "
        "quan, tổ chức, cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này.")
    _signature(doc, ("- Như Điều 2;", "- Lưu: VT."))
    return doc


BUILDERS = {"mau-07.docx": mau_07, "mau-24.docx": mau_24, "mau-51.docx": mau_51,
            "giam-sat.docx": giam_sat}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for name, build in BUILDERS.items():
        doc = build()
        props = doc.core_properties
        props.author = props.last_modified_by = "casework"
        props.created = props.modified = FIXED
        props.revision = 1
        doc.save(OUT / name)
        print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
