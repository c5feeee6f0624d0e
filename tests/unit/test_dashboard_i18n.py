"""Every text of the dashboard page exists in Vietnamese and English."""

from __future__ import annotations

import json
import re
from enum import StrEnum

import pytest

from domain.action_decision import Status
from domain.actions import Party
from domain.contact_rules import Rule
from domain.promises import PromiseStatus
from web.dashboard_page import STATIC

STRINGS: dict[str, dict[str, str]] = json.loads((STATIC / "i18n.json").read_text())
# Keys the page names literally: data-i18n="…" in the HTML, t("…") in the scripts.
_HTML_KEY = re.compile(r'data-i18n="([^"]+)"')
_JS_KEY = re.compile(r"""\bt\(\s*["']([^"']+)["']""")
# Keys the scripts build from a code the server sends (t(`status.${code}`) …).
_PREFIXED: dict[str, type[StrEnum]] = {
    "status": Status,
    "rule": Rule,
    "party": Party,
}
# Vietnamese letters beyond ASCII: a translation without any is almost surely English.
_VIETNAMESE = re.compile(r"[à-ỹÀ-ỸđĐ]")


def used_keys() -> set[str]:
    keys = set(_HTML_KEY.findall((STATIC / "index.html").read_text()))
    for script in STATIC.glob("*.js"):
        keys |= set(_JS_KEY.findall(script.read_text()))
    return keys


def test_both_languages_have_the_same_keys() -> None:
    assert set(STRINGS) == {"vi", "en"}
    assert set(STRINGS["vi"]) == set(STRINGS["en"])


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_text_is_empty(lang: str) -> None:
    assert [k for k, v in STRINGS[lang].items() if not v.strip()] == []


def test_every_key_the_page_uses_exists() -> None:
    keys = used_keys()
    assert len(keys) > 50, "the scan found too few keys to prove anything"
    assert sorted(keys - set(STRINGS["en"])) == []


@pytest.mark.parametrize("prefix", sorted(_PREFIXED))
def test_codes_from_the_server_have_a_text(prefix: str) -> None:
    codes = {f"{prefix}.{member.value}" for member in _PREFIXED[prefix]}
    assert sorted(codes - set(STRINGS["en"])) == []


def test_promise_statuses_have_a_text() -> None:
    codes = {f"status.{s.value}" for s in PromiseStatus}
    assert sorted(codes - set(STRINGS["en"])) == []


def test_placeholders_match_between_languages() -> None:
    names = re.compile(r"\{(\w+)\}")
    for key, english in STRINGS["en"].items():
        assert set(names.findall(STRINGS["vi"][key])) == set(names.findall(english)), key


def test_vietnamese_is_written_with_its_diacritics() -> None:
    # Codes and names that read the same in both languages are fine (CIF); sentences are not.
    same = [k for k, v in STRINGS["vi"].items() if v == STRINGS["en"][k] and " " in v]
    assert same == []
    sentences = [v for v in STRINGS["vi"].values() if " " in v]
    assert all(_VIETNAMESE.search(v) for v in sentences), [
        v for v in sentences if not _VIETNAMESE.search(v)
    ]
