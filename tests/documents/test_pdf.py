"""documents.pdf: Chinese text survives rendering (no tofu), signatures hold and break on one changed byte."""

import pytest

from documents import pdf
from tests.documents.conftest import pdf_text

CONTEXT = {"data": {"name": "欧阳娜娜", "id_number": "110101199003070011", "account_number": "101000000017",
                    "employer_name": "示范科技有限公司", "status": "正常", "base": "9,000.00",
                    "months": [{"month": "2026年11月", "kind": "汇缴", "base": "9,000.00", "employer": "1,080.00",
                                "employee": "1,080.00", "amount": "2,160.00"}], "loans": {"count": 0}},
           "number": "JC20261120000001", "code": "ABCDEFGHJKLMNPQRSTUV", "url": "http://testserver/verify/X/",
           "title": "个人住房公积金缴存证明", "center_name": "示范市住房公积金管理中心", "issued_on": "2026年11月20日",
           "valid_until": "2027年02月19日", "handler": "", "kind": "deposit"}


@pytest.fixture(scope="module")
def signed():
    context = {**CONTEXT, "seal": pdf.static_data_uri("documents/seal.svg"), "qr": pdf.qr_data_uri(CONTEXT["url"])}
    return pdf.sign_pdf(pdf.render_pdf("documents/pdf/deposit.html", context))


def test_rendered_text_is_chinese_not_boxes(signed):
    text = pdf_text(signed)
    for expected in ("个人住房公积金缴存证明", "欧阳娜娜", "示范科技有限公司", "2026年11月", "2,160.00", "缴存基数",
                     "有效期：至2027年02月19日", "示范市住房公积金管理中心", "JC20261120000001"):
        assert expected in text
    assert "\ufffd" not in text and "□" not in text


def test_signature_valid_then_invalid_after_one_byte(signed):
    assert signed.startswith(b"%PDF-")
    assert pdf.verify_pdf_signature(signed) is True
    for position in (200, len(signed) // 2, len(signed) - 300):
        altered = bytearray(signed)
        altered[position] ^= 0x01
        assert pdf.verify_pdf_signature(bytes(altered)) is False, position
    assert pdf.verify_pdf_signature(signed + b"\n%%EOF\n") is False  # content appended after signing
    assert pdf.verify_pdf_signature(b"%PDF-1.7 nothing") is False
    assert pdf.verify_pdf_signature(b"") is False


def test_unsigned_or_foreign_signature_is_not_valid(signed, tmp_path, settings):
    unsigned = pdf.render_pdf("documents/pdf/deposit.html", {**CONTEXT, "seal": "", "qr": ""})
    assert pdf.verify_pdf_signature(unsigned) is False
    # signed with another certificate: not the center's
    other = pdf.create_demo_certificate(tmp_path / "other.p12")
    settings.DOCUMENTS_SIGNING_P12, settings.DOCUMENTS_SIGNING_P12_PASSWORD = str(other), "demo-signing"
    pdf.reset_signer()
    try:
        foreign = pdf.sign_pdf(unsigned)
        assert pdf.verify_pdf_signature(foreign) is True  # valid for its own certificate...
        settings.DOCUMENTS_SIGNING_P12 = ""
        pdf.reset_signer()
        assert pdf.verify_pdf_signature(foreign) is False  # ...not for the center's
        assert pdf.verify_pdf_signature(signed) is True
    finally:
        settings.DOCUMENTS_SIGNING_P12 = ""
        pdf.reset_signer()
