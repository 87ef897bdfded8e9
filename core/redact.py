"""What must never leave the process in a report, a trace or a log line: preview tokens in paths
(a token is the key to an unpublished article), and the values inside SQL."""

import re

REDACTED = "[redacted]"
# /preview/<token>/ anywhere in a text: a URL, a request line, a referrer, a log message.
_PREVIEW = re.compile(r"(/preview/)[^/?#\s\"'<>]+")
# SQL literals: strings ('...', E'...', with '' inside) and numbers standing alone.
_SQL_STRING = re.compile(r"(?:\b[EeBbXxNn])?'(?:[^']|'')*'")
_SQL_NUMBER = re.compile(r"(?<![\w.\"])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\b")


def path(text: str) -> str:
    """`text` with every preview token replaced."""
    if "/preview/" not in text:
        return text
    return _PREVIEW.sub(r"\g<1>" + REDACTED, text)


def sql(text: str) -> str:
    """A query's shape without its values (a session key, a token prefix, what was written)."""
    return _SQL_NUMBER.sub("?", _SQL_STRING.sub("?", text))


def everywhere(value):
    """`value` (an event: dicts, lists, strings) with preview tokens replaced in every string."""
    if isinstance(value, str):
        return path(value)
    if isinstance(value, dict):
        return {key: everywhere(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [everywhere(item) for item in value]
    return value
