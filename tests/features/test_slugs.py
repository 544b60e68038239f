from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from specify.errors import UsageError
from specify.features.branches import is_valid_branch_name
from specify.features.slugs import MAX_NAME_BYTES, clean_short_name, slug_from_description, truncate_utf8
from tests.features.conftest import FIXTURES, branch_is_valid

TITLES = (FIXTURES / "features" / "titles.txt").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("title", TITLES)
def test_title_gives_clean_slug(title: str) -> None:
    slug = slug_from_description(title.strip()).text
    assert slug
    assert not slug.startswith("-")
    assert not slug.endswith("-")
    assert "--" not in slug
    assert len(slug.encode("utf-8")) <= MAX_NAME_BYTES
    assert branch_is_valid(f"001-{slug}")


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("I want to add user authentication with OAuth2 for the API", "user-authentication-oauth2-api"),
        ("go AI now", "ai-now"),
        ("go to the pub", "pub"),
        ("Fix the bug where the export button crashes", "fix-bug-where"),
        ('a/b\\c:d*e?f"g<h>i|j', "a-b-c"),
    ],
)
def test_slug_matches_speckit_rules(description: str, expected: str) -> None:
    assert slug_from_description(description).text == expected


@pytest.mark.parametrize(
    ("description", "source", "expected"),
    [
        ("用户登录和权限管理", "transliterated", "yong-hu-deng"),
        ("Авторизация пользователей через СМС", "transliterated", "avtorizatsiya-polzovateley-cherez-sms"),
        ("🚀🔥✨", "transliterated", "rocket-fire-sparkles"),
        ("Café menu: crème brûlée", "transliterated", "cafe-menu-creme-brulee"),
        ("Add login — fast", "words", "login-fast"),
    ],
)
def test_non_ascii_titles_transliterated(description: str, source: str, expected: str) -> None:
    slug = slug_from_description(description)
    assert slug.source == source
    assert slug.text == expected


def test_punctuation_title_gets_hash() -> None:
    first = slug_from_description("!!! ??? ...")
    again = slug_from_description("!!! ??? ...")
    assert first.source == "hash"
    assert first.text.startswith("feature-")
    assert first == again


def test_short_name_only_cleaned() -> None:
    slug = clean_short_name("Payment Timeout Fix!")
    assert slug.text == "payment-timeout-fix"
    assert slug.source == "short-name"


def test_short_name_without_letters_rejected() -> None:
    with pytest.raises(UsageError, match="--short-name"):
        clean_short_name("!!!")


@given(st.text(min_size=0, max_size=400), st.integers(min_value=1, max_value=300))
def test_truncate_never_splits_characters(text: str, limit: int) -> None:
    cut = truncate_utf8(text, limit)
    assert len(cut.encode("utf-8")) <= limit
    assert text.startswith(cut)
    if len(text.encode("utf-8")) > limit:
        assert not cut.endswith(("-", "/", "."))


BRANCH_NAMES = [
    "001-login",
    "feat/001-login",
    "-leading-dash",
    "HEAD",
    "a..b",
    "a/.hidden",
    "a.lock",
    "a/b.lock/c",
    "ends.",
    "ends/",
    "/starts",
    "a//b",
    "has space",
    "tilde~x",
    "caret^x",
    "colon:x",
    "q?x",
    "star*x",
    "bracket[x",
    "back\\slash",
    "at@{x",
    "a@b",
    "fonctionnalité/001-x",
    "a./b",
    "a/-b",
    "a{b",
    "@/a",
    "a..lock",
    "a/..b",
    "ctrl\x01x",
    "",
]


def test_branch_rules_agree_with_git() -> None:
    # "@" is left out: `check-ref-format --branch` reads it as HEAD's branch, not as a name.
    for name in BRANCH_NAMES:
        assert is_valid_branch_name(name) == branch_is_valid(name), name


@given(st.text(max_size=120))
def test_any_title_gives_valid_slug(title: str) -> None:
    slug = slug_from_description(title).text
    assert slug
    assert slug == slug.strip("-")
    assert "--" not in slug
    assert slug.isascii()
    assert is_valid_branch_name(f"001-{slug}")
