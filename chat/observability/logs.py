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
# Credentials that may sit inside a free-text message: a query token, a bearer header, a JSON field.
SECRET_PATTERNS = [
    (re.compile(r"(?i)((?:token|secret|js_code)=)[^&\s'\"]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)(bearer\s+)[^\s'\",]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)(\"(?:token|openid|session_key|text)\"\s*:\s*)\"(?:[^\"\\]|\\.)*\""), r'\1"' + REDACTED + '"'),
]


def scrub(text):
    """Replace credentials found in free text."""
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_fields(fields):
    """Return the fields with secret values replaced."""
    return {key: REDACTED if key.lower() in SECRET_FIELDS else value for key, value in fields.items()}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line: time, level, logger, instance, message, extra fields."""

    def __init__(self, *args, instance="", redact=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.redact = redact

    def format(self, record):
        message = record.getMessage()
        fields = {key: value for key, value in vars(record).items() if key not in STANDARD}
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
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
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"jieba": {"level": "WARNING"}},
    }
