"""join_url: endpoint URL plus path segments with exactly one "/" between them
(docs/spec-decisions.md "Endpoint URL templates without a slash")."""

from __future__ import annotations

import pytest

from openroam.client import join_url

TOKENS = "https://cpo.example.com/ocpi/2.2.1/tokens"


@pytest.mark.parametrize("base", [TOKENS, TOKENS + "/", TOKENS + "//"])
def test_join_url_one_slash_whatever_the_endpoint_url_ends_with(base: str) -> None:
    """mod_tokens.asciidoc POST ``{tokens_endpoint_url}{token_uid}/authorize`` lacks the "/"
    (docs/spec-decisions.md "Endpoint URL templates without a slash"): the join always puts
    exactly one."""
    assert join_url(base, "012345678", "authorize") == TOKENS + "/012345678/authorize"


def test_join_url_client_owned_object_url() -> None:
    """T&F "Client Owned Object Push": ``{endpoint}/{country_code}/{party_id}/{object_id}``."""
    assert join_url(TOKENS, "NL", "TNM", "14") == TOKENS + "/NL/TNM/14"


def test_join_url_without_segments_is_the_base() -> None:
    assert join_url(TOKENS + "/") == TOKENS + "/"


def test_join_url_encodes_each_segment() -> None:
    """An id is one path segment: "/", "?", "#" and spaces in it are percent-encoded."""
    assert join_url(TOKENS, "a/b?c#d e") == TOKENS + "/a%2Fb%3Fc%23d%20e"
    assert join_url(TOKENS, "NL-TNM_1.2~x:y@z") == TOKENS + "/NL-TNM_1.2~x:y@z"


def test_join_url_rejects_an_empty_segment() -> None:
    with pytest.raises(ValueError, match="empty path segment"):
        join_url(TOKENS, "NL", "", "14")
