"""`superapp ocr idcard` and `superapp face verify` on files, as an operator runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

from superapp.cli import main
from tests.kyc.cards import Card, back, encode, front
from tests.kyc.faces import photo


def run(capsys, *argv) -> tuple[int, dict]:
    code = main(list(argv))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return code, json.loads(out[0])


def test_ocr_prints_masked_fields_and_every_check(tmp_path, capsys):
    path = tmp_path / "front.jpg"
    card = Card()
    path.write_bytes(encode(front(card, photo("person_a_1")), "JPEG", quality=85))
    code, result = run(capsys, "ocr", "idcard", str(path))
    assert code == 0
    assert result["fields"]["id_number"] == card.number[:6] + "********" + card.number[-4:]
    assert result["fields"]["name"] == "张*"
    assert len(result["checks"]) == 8 and all(c["passed"] for c in result["checks"])
    code, unmasked = run(capsys, "ocr", "idcard", str(path), "--unmasked")
    assert unmasked["fields"]["id_number"] == card.number


def test_ocr_of_the_back_and_a_failed_check_exits_1(tmp_path, capsys):
    path = tmp_path / "back.png"
    path.write_bytes(encode(back(Card(valid_from=date(2011, 1, 1), valid_until=date(2021, 1, 1)))))
    code, result = run(capsys, "ocr", "idcard", str(path), "--side", "back")
    assert code == 1 and result["failed"] == ["NOT_EXPIRED"]


def test_ocr_of_a_face_photo_exits_2_with_not_an_id_card(tmp_path, capsys):
    path = tmp_path / "selfie.jpg"
    path.write_bytes(encode(photo("impostor_1"), "JPEG"))
    code, result = run(capsys, "ocr", "idcard", str(path))
    assert code == 2 and result["error"]["code"] == "NOT_AN_ID_CARD"
    path.write_bytes(encode(front(Card()), "JPEG"))
    code, result = run(capsys, "ocr", "idcard", str(path), "--side", "back")
    assert code == 2 and result["error"] == {"code": "WRONG_SIDE",
                                             "message": "这是身份证的人像面，请上传国徽面"}


def test_face_verify_prints_score_threshold_and_decision(tmp_path, capsys):
    (tmp_path / "id.jpg").write_bytes(encode(front(Card(), photo("person_b_1")), "JPEG"))
    (tmp_path / "same.jpg").write_bytes(encode(photo("person_b_2"), "JPEG"))
    (tmp_path / "other.jpg").write_bytes(encode(photo("impostor_2"), "JPEG"))
    code, same = run(capsys, "face", "verify", str(tmp_path / "id.jpg"), str(tmp_path / "same.jpg"))
    assert code == 0 and same["matched"] and same["threshold"] == 0.363 and same["score"] > 0.363
    code, other = run(capsys, "face", "verify", str(tmp_path / "id.jpg"), str(tmp_path / "other.jpg"))
    assert code == 1 and not other["matched"] and other["score"] < 0.363


def test_a_bad_image_exits_non_zero_with_a_json_error(tmp_path):
    """Run as the installed command, the way an operator does."""
    junk = tmp_path / "scan.jpg"
    junk.write_bytes(b"GIF89a not really")
    # Its messages follow LANG, Chinese when it names no language.
    for argv, lang, message in ((["ocr", "idcard", str(junk)], "C.UTF-8", "不是 JPEG、PNG 或 WebP 图片"),
                                (["face", "verify", str(junk), str(junk)], "en_US.UTF-8", "not a JPEG, PNG or WebP image")):
        done = subprocess.run([sys.executable, "-m", "superapp.cli", *argv], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "SUPERAPP_DATA_DIR": str(tmp_path / "var"), "LANG": lang},
                              timeout=120)
        assert done.returncode == 2
        assert json.loads(done.stdout) == {"error": {"code": "NOT_AN_IMAGE", "message": message}}
    done = subprocess.run([sys.executable, "-m", "superapp.cli", "ocr", "idcard", str(tmp_path / "missing.png")],
                          capture_output=True, text=True, env={"SUPERAPP_DATA_DIR": str(tmp_path / "var")}, timeout=120)
    assert done.returncode == 2 and json.loads(done.stdout)["error"]["code"] == "UNREADABLE_FILE"
