"""Error bodies exactly as the live X API sends them (../shared/xapi/README.md)."""

from __future__ import annotations

from typing import Any

Body = dict[str, Any]


def unauthorized() -> Body:
    return {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


def too_many_requests() -> Body:
    return {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}


def usage_capped(tier: str) -> Body:
    return {
        "account_id": 1000000001,
        "product_name": f"standard-{tier}",
        "title": "UsageCapExceeded",
        "period": "Monthly",
        "scope": "Product",
        "detail": "Usage cap exceeded: Monthly product cap",
        "type": "https://api.x.com/2/problems/usage-capped",
    }


def credits_depleted() -> Body:
    return {
        "title": "Payment Required",
        "detail": "credits depleted",
        "type": "https://api.x.com/2/problems/credits-depleted",
    }


def forbidden(detail: str) -> Body:
    return {"detail": detail, "type": "about:blank", "title": "Forbidden", "status": 403}


def duplicate() -> Body:
    return forbidden("You are not allowed to create a Tweet with duplicate content.")


def reply_not_summoned() -> Body:
    return forbidden(
        "Reply to this conversation is not allowed because you have not been mentioned or otherwise "
        "engaged by the author of the post you are replying to."
    )


def reply_target_gone() -> Body:
    return forbidden("You attempted to reply to a Tweet that is deleted or not visible to you.")


def not_enrolled(endpoint: str, tier: str) -> Body:
    return {
        "client_id": "1000000001",
        "detail": (
            f"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a "
            f"Twitter developer App that is attached to a Project. The endpoint {endpoint} is not available "
            f"on the {tier} access level."
        ),
        "registration_url": "https://developer.x.com/en/portal/products",
        "title": "Client Forbidden",
        "required_enrollment": "Enterprise",
        "reason": "client-not-enrolled",
        "type": "https://api.x.com/2/problems/client-forbidden",
    }


def unsupported_authentication() -> Body:
    return {
        "title": "Unsupported Authentication",
        "detail": (
            "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
            "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context]."
        ),
        "type": "https://api.x.com/2/problems/unsupported-authentication",
        "status": 403,
    }


def invalid_request(message: str, parameters: dict[str, list[str]] | None = None) -> Body:
    error: Body = {"message": message}
    if parameters is not None:
        error = {"parameters": parameters, "message": message}
    return {
        "errors": [error],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.x.com/2/problems/invalid-request",
    }


def not_found(resource_type: str, parameter: str, value: str) -> Body:
    """A 200/404 `errors[]` item for a missing tweet or user."""
    field = "ids" if parameter == "ids" else parameter
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {field}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": "https://api.x.com/2/problems/resource-not-found",
    }


def not_authorized(resource_type: str, parameter: str, value: str) -> Body:
    """A 200 `errors[]` item for a resource the caller may not see (a protected account's tweet or timeline).

    The spec's NotAuthorizedForResourceProblem (../shared/xapi/openapi.json: type, title, detail and
    resource_type required); no live recording of one exists, so the wording follows `not_found`'s.
    """
    noun = "Tweet" if resource_type == "tweet" else resource_type
    return {
        "value": value,
        "detail": f"Sorry, you are not authorized to see the {noun} with {parameter}: [{value}].",
        "title": "Authorization Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": "https://api.x.com/2/problems/not-authorized-for-resource",
    }


def server_error(status: int) -> Body:
    title = "Service Unavailable" if status == 503 else "Internal Server Error"
    return {"title": title, "detail": title, "type": "about:blank", "status": status}


def no_route(path: str) -> Body:
    return {"errors": [{"message": f"Sorry, that page does not exist: {path}", "code": 34}]}
