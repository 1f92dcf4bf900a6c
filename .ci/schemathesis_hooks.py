"""Schemathesis hooks for .ci/schemathesis.

A few rules of the API relate one value to another, or to something the server holds, which
OpenAPI cannot state; the document says them in words.

- Requests that schemathesis generates as valid but that break a rule between values are not
  sent as valid ones (`filter_case`, `map_case`); nor valid ones it takes for invalid (see
  `_leaves_out_an_optional_property`).
- A valid request that names something the server does not hold (a subject not in the case,
  proceedings of another case, ...) is refused 422 with a code saying so, as a made-up id in a
  path is 404: `valid_requests_are_accepted`, which .ci/schemathesis runs instead of the
  built-in `positive_data_acceptance` (with its settings), takes those as it takes a 404.

Apart from these, every check and every generated request is left as it is.
"""
import hashlib
import json
import os
from datetime import datetime, timedelta

import schemathesis
from schemathesis import GenerationMode
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario
from schemathesis.specs.openapi.checks import positive_data_acceptance as _positive_data_acceptance


def _valid(case) -> bool:
    return case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE


def _time(value):
    """An RFC 3339 date-time, or None (for anything else, which the server refuses anyway)."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _months(start, end) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _body_schema(case) -> dict:
    content = (case.operation.definition.raw.get("requestBody") or {}).get("content") or {}
    schema = (content.get(case.media_type or "") or {}).get("schema") or {}
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = case.operation.schema.raw_schema["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
    return schema


def _leaves_out_an_optional_property(case) -> bool:
    """schemathesis 4.32.5 also sends, as bodies "missing a required property", bodies that
    leave out an optional one (it fills its template with every property, then takes each
    away in turn): such a body is valid, not a request to be refused."""
    data = case.meta.phase.data if case.meta is not None else None
    if not isinstance(data, CoveragePhaseData):
        return False
    if data.scenario != CoverageScenario.OBJECT_MISSING_REQUIRED_PROPERTY or not isinstance(case.body, dict):
        return False
    schema = _body_schema(case)
    name = data.parameter
    return (
        name in (schema.get("properties") or {})
        and name not in (schema.get("required") or [])
        and name not in case.body
    )


@schemathesis.hook
def filter_case(context, case) -> bool:
    if not _valid(case):
        return not _leaves_out_an_optional_property(case)
    query = case.query or {}
    # `cursor` is a list's `next_cursor`, issued by the server: one made up is 400
    # `invalid_cursor`, as an id made up is 404.
    if "cursor" in query:
        return False
    method, path = case.operation.method.upper(), case.operation.path
    if (method, path) == ("GET", "/api/v1/stats"):
        # `to` after `from`, and at most 1200 months from the first to the last.
        start, end = _time(query.get("from")), _time(query.get("to"))
        if start and end and (end <= start or _months(start, end) > 1200):
            return False
    if path.startswith("/api/v1/cases/{id}/allegations") and isinstance(case.body, dict):
        # `conduct_to` not before `conduct_from` (both dates).
        start, end = case.body.get("conduct_from"), case.body.get("conduct_to")
        if isinstance(start, str) and isinstance(end, str) and end < start:
            return False
    if (method, path) == ("POST", "/api/v1/cases/{id}/publications") and isinstance(case.body, dict):
        # `publish_until` after `publish_from`.
        start, end = _time(case.body.get("publish_from")), _time(case.body.get("publish_until"))
        if start and end and end <= start:
            return False
        # An outcome stays published at least PROBITY_OUTCOME_PUBLICATION_DAYS (28).
        days = int(os.environ.get("PROBITY_OUTCOME_PUBLICATION_DAYS", "28"))
        if case.body.get("kind") == "outcome" and start and end and end < start + timedelta(days=days):
            return False
    return True


@schemathesis.hook
def map_case(context, case):
    # An `Idempotency-Key` names one request: the same key with another body is 422
    # `key_reused`. A valid case keeps its generated key, made its own by a digest of its body.
    headers = case.headers or {}
    if _valid(case) and "Idempotency-Key" in headers and case.operation.path == "/api/v1/public/reports":
        digest = hashlib.sha256(json.dumps(case.body, sort_keys=True).encode()).hexdigest()
        headers["Idempotency-Key"] = f"{headers['Idempotency-Key'][:135]}-{digest}"
    return case


# The codes of the 422s that judge a body against what the server holds (`errors[].code`).
NOT_HELD = {
    "cannot_see_case",
    "dismissed",
    "no_dismissal",
    "not_in_proceedings",
    "not_public",
    "subject_not_in_case",
    "unknown_document",
    "unknown_note",
    "unknown_proceedings",
    "unknown_subject",
}


def _names_what_is_not_held(response) -> bool:
    if response.status_code != 422:
        return False
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return False
    return bool(errors) and all(e.get("code") in NOT_HELD for e in errors)


@schemathesis.check
def valid_requests_are_accepted(ctx, response, case):
    """The built-in `positive_data_acceptance` (with its settings), but for a refusal that names
    only things the server does not hold."""
    if _names_what_is_not_held(response):
        return None
    return _positive_data_acceptance(ctx, response, case)
