"""One JSON object per log line, with the `extra={...}` fields and secrets redacted.

Kept free of Django imports: logging is configured before the apps load.
"""

import json
import logging
import re
import time

# Attributes every LogRecord has; anything else came in through `extra`.
STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
# Field names whose values identify or authenticate someone, or carry what they wrote.
SECRET_FIELDS = frozenset({
    "token", "access_token", "authorization", "openid", "unionid", "session_key", "secret", "password",
    "text", "message_text", "comment", "cookie", "sessionid", "csrftoken",
})
REDACTED = "[redacted]"
# Credentials that may sit inside a free-text message, whichever library wrote it: query parameters
# (an HTTP client logs the whole URL of WeChat's code exchange, with the app secret and the login code),
# authorization headers, API keys, JSON fields.
QUERY_SECRETS = r"(?:[a-z_]*token|secret|app_?secret|js_code|session_key|password|api_?key|key|sig|signature)"
SECRET_PATTERNS = [
    (re.compile(r"(?i)(?<![a-z0-9_])(" + QUERY_SECRETS + r"=)[^&\s'\"]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)((?:proxy-)?authorization['\"]?\s*[:=,]\s*['\"]?)(?:[a-z]+\s+)?[^\s'\",}]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)(bearer\s+)(?!\[redacted\])[^\s'\",]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)((?:x-)?api[-_]?key['\"]?\s*[:=,]\s*['\"]?)[^\s'\",}&]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)(\"(?:token|access_token|openid|unionid|session_key|secret|js_code|password|api_key|text)\"\s*:\s*)"
                r"\"(?:[^\"\\]|\\.)*\""), r'\1"' + REDACTED + '"'),
]


def scrub(text):
    """Replace credentials found in free text."""
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_fields(fields):
    """Return the fields with secret values replaced."""
    return {key: REDACTED if key.lower() in SECRET_FIELDS else value for key, value in fields.items()}


class RedactSecrets(logging.Filter):
    """Scrub credentials from every record a handler emits, whichever logger wrote it.

    Installed on the handlers (not on loggers), so records of third-party
    libraries that propagate to the root pass through it too. The message is
    rendered once and its arguments dropped, so a formatter never sees the raw
    values; a traceback is rendered and scrubbed the same way.
    """

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: keep what can be shown, without its arguments
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        for key, value in list(vars(record).items()):
            # Extra fields too: Django logs a refused request with `request`,
            # whose text is its full URL, query string included.
            if key not in STANDARD and not isinstance(value, (int, float, bool, type(None), dict, list, tuple)):
                setattr(record, key, scrub(str(value)))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line: time, level, logger, instance, message, extra fields."""

    def __init__(self, *args, instance="", redact=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.redact = redact

    def format(self, record):
        message = record.getMessage()
        fields = {key: value for key, value in vars(record).items() if key not in STANDARD}
        if record.exc_text or record.exc_info:
            fields["exc"] = record.exc_text or self.formatException(record.exc_info)
        if self.redact:
            message = scrub(message)
            fields = redact_fields(fields)
            if "exc" in fields:
                fields["exc"] = scrub(fields["exc"])
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "instance": self.instance,
            "msg": message,
            **fields,
        }
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(*, log_format, level, instance, redact):
    """Return the LOGGING dict for the chosen format ("json" or "plain")."""
    formatters = {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "chat.observability.logs.JsonFormatter", "instance": instance, "redact": redact},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": formatters,
        # Credentials are scrubbed in every mode, DEBUG included; `redact` adds fields and message text.
        "filters": {"secrets": {"()": "chat.observability.logs.RedactSecrets"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["secrets"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"jieba": {"level": "WARNING"}},
    }
