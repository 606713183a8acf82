"""The HTTP API's input at the edge: JSON bodies and query numbers, refused with a clear 4xx.

No client input may end in a 500 (contract, section 6): a body nested
thousands deep overflows the JSON parser's recursion, a NUL or a lone
surrogate cannot be stored by PostgreSQL or encoded as UTF-8, a number too
big for a column overflows the query, and `nan` slips past every comparison.
Each is caught here, before any view logic runs.
"""

import json
import math

from django.core.exceptions import RequestDataTooBig

# Bodies are flat objects; this leaves room without inviting deep structures.
MAX_DEPTH = 8
# seq and ids are stored in 32-bit PostgreSQL integer columns.
MAX_INT = 2**31 - 1


class BadInput(Exception):
    """The request is malformed; `code` and `status` are the answer."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def clean_text(value):
    """Return whether a string can be stored and sent: no NUL, no lone surrogate."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check(value, depth):
    if depth > MAX_DEPTH:
        raise BadInput("invalid_request", "body is nested too deeply")
    if isinstance(value, str):
        if not clean_text(value):
            raise BadInput("invalid_field", "strings must not hold NUL or unpaired surrogates")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise BadInput("invalid_field", "numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


def json_object(request):
    """Return the request's JSON object body (an empty body is {}), or raise BadInput."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise BadInput("too_large", "body is too large", status=413) from None
    try:
        body = json.loads(raw or b"{}")
    except RecursionError:
        raise BadInput("invalid_request", "body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise BadInput("invalid_request", "body must be JSON") from None
    if not isinstance(body, dict):
        raise BadInput("invalid_request", "body must be a JSON object")
    _check(body, 1)
    return body


def query_int(request, name, default, *, minimum=0, maximum=MAX_INT):
    """Return an integer query parameter within [minimum, maximum], or raise BadInput."""
    text = request.GET.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise BadInput("invalid_field", f"{name} must be a whole number")
    value = int(text)
    if not minimum <= value <= maximum:
        raise BadInput("invalid_field", f"{name} is out of range")
    return value


def query_seconds(request, name, default, *, maximum):
    """Return a non-negative, finite number of seconds capped at `maximum`, or raise BadInput."""
    text = request.GET.get(name)
    if text is None:
        return default
    try:
        value = float(text) if len(text) <= 32 else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise BadInput("invalid_field", f"{name} must be a finite, non-negative number of seconds")
    return min(value, maximum)
