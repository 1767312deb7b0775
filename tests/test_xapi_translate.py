"""Error translation: status codes, api codes and problem fields → the project's error tree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import (
    BadRequest,
    CreditsDepleted,
    DuplicateContent,
    Forbidden,
    NotFound,
    NotOnTier,
    NotVisible,
    PermanentError,
    RateLimited,
    TransientError,
    Unauthorized,
    UsageCapExceeded,
    XApiError,
)
from bot.xapi.translate import partial_error, problem_kind, translate_response

EP = "POST /2/tweets"


class TestTranslateResponse:
    @pytest.mark.parametrize(
        ("status", "body", "codes", "expected"),
        [
            (400, {"title": "Invalid Request", "type": "https://api.x.com/2/problems/invalid-request"}, [], BadRequest),
            (401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, [],
             Unauthorized),
            (402, {"title": "Payment Required", "detail": "credits depleted",
                   "type": "https://api.x.com/2/problems/credits-depleted"}, [], CreditsDepleted),
            (403, {"detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank",
                   "title": "Forbidden", "status": 403}, [], DuplicateContent),
            (403, {"errors": [{"code": 187, "message": "Status is a duplicate."}]}, [], DuplicateContent),
            (403, {"title": "Client Forbidden", "type": "https://api.twitter.com/2/problems/client-forbidden",
                   "reason": "client-not-enrolled"}, [], NotOnTier),
            (403, {"title": "Forbidden", "type": "https://api.x.com/2/problems/follow-not-allowed"}, [], NotOnTier),
            (403, {"title": "Forbidden", "type": "about:blank", "detail": "anything"}, [453], NotOnTier),
            (403, {"title": "Forbidden", "type": "about:blank", "detail": "not available on this access level"}, [],
             Forbidden),
            (403, {"title": "Authorization Error",
                   "type": "https://api.x.com/2/problems/not-authorized-for-resource"}, [], NotVisible),
            (404, {"title": "Not Found Error"}, [], NotFound),
            (429, {"title": "UsageCapExceeded", "type": "https://api.x.com/2/problems/usage-capped"}, [],
             UsageCapExceeded),
            (429, {"title": "Too Many Requests", "type": "about:blank"}, [], RateLimited),
            (500, {}, [], TransientError),
            (503, {"title": "Service Unavailable"}, [], TransientError),
            (409, {"title": "Conflict"}, [], PermanentError),
        ],
    )
    def test_maps_to_the_error_tree(self, status: int, body: dict[str, Any], codes: list[int],
                                    expected: type[XApiError]) -> None:
        """Each status/body pair becomes exactly one class of the tree."""
        error = translate_response(status, {}, body, endpoint=EP, api_codes=codes)
        assert type(error) is expected
        assert (error.status, error.endpoint, error.body) == (status, EP, body)

    def test_access_level_text_alone_is_not_matched(self) -> None:
        """Free text other than the duplicate detail never decides: this 403 stays plain Forbidden."""
        body = {"title": "Forbidden", "detail": "not available on this access level"}
        assert type(translate_response(403, {}, body, endpoint=EP)) is Forbidden

    def test_rate_limited_carries_reset_at(self) -> None:
        """The x-rate-limit-reset header becomes reset_at."""
        error = translate_response(429, {"x-rate-limit-reset": "1772366400"}, {}, endpoint=EP)
        assert isinstance(error, RateLimited)
        assert error.reset_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def test_rate_limited_without_header(self) -> None:
        """A 429 without a reset header has reset_at None (the client fills it from the budget)."""
        error = translate_response(429, {}, {}, endpoint=EP)
        assert isinstance(error, RateLimited)
        assert error.reset_at is None

    def test_message_names_endpoint_and_problem(self) -> None:
        """The message carries the endpoint, status, title and detail."""
        error = translate_response(401, {}, {"title": "Unauthorized", "detail": "Unauthorized"}, endpoint=EP)
        assert str(error) == "POST /2/tweets: 401 Unauthorized Unauthorized"


class TestPartialErrors:
    def test_deleted_tweet_is_not_found(self) -> None:
        """A 200 with only a resource-not-found entry in errors[] is NotFound."""
        body = {"errors": [{"title": "Not Found Error", "detail": "Could not find tweet with id: [20].",
                            "type": "https://api.twitter.com/2/problems/resource-not-found"}]}
        error = partial_error(body, endpoint="GET /2/tweets/:id")
        assert type(error) is NotFound
        assert str(error) == "GET /2/tweets/:id: Not Found Error Could not find tweet with id: [20]."

    def test_unauthorized_resource_is_not_visible(self) -> None:
        """A protected author's post (not-authorized-for-resource) is NotVisible, a kind of Forbidden."""
        body = {"errors": [{"title": "Authorization Error",
                            "detail": "Sorry, you are not authorized to see the Tweet with id: [20].",
                            "type": "https://api.twitter.com/2/problems/not-authorized-for-resource"}]}
        error = partial_error(body, endpoint="GET /2/tweets/:id")
        assert type(error) is NotVisible
        assert isinstance(error, Forbidden)
        assert str(error) == ("GET /2/tweets/:id: Authorization Error Sorry, you are not authorized to see the "
                              "Tweet with id: [20].")

    def test_disallowed_resource_stays_forbidden(self) -> None:
        """A disallowed-resource problem is plain Forbidden, not NotVisible."""
        body = {"errors": [{"title": "Disallowed Resource", "type": "https://api.x.com/2/problems/disallowed-resource"}]}
        assert type(partial_error(body, endpoint="GET /2/tweets/:id")) is Forbidden

    def test_data_with_errors_is_not_an_error(self) -> None:
        """When data is present, partial errors (e.g. one missing expansion) are not raised."""
        body = {"data": {"id": "1"}, "errors": [{"type": "https://api.x.com/2/problems/resource-not-found"}]}
        assert partial_error(body, endpoint="GET /2/tweets/:id") is None

    def test_no_errors(self) -> None:
        """An empty page is not an error."""
        assert partial_error({"meta": {"result_count": 0}}, endpoint="GET /2/users/:id/mentions") is None


class TestProblemKind:
    @pytest.mark.parametrize(
        ("value", "kind"),
        [("https://api.x.com/2/problems/usage-capped", "usage-capped"), ("about:blank", "about:blank"),
         (None, ""), ("https://api.twitter.com/2/problems/client-forbidden/", "client-forbidden")],
    )
    def test_last_segment(self, value: object, kind: str) -> None:
        """The kind is the last path segment of the type URI."""
        assert problem_kind(value) == kind
