"""Logs never carry a credential, in messages, arguments or tracebacks."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactSecrets

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def records() -> list[logging.LogRecord]:
    return []


def emit(records: list[logging.LogRecord], *args: object, exc: bool = False) -> str:
    logger = logging.getLogger("test.redaction")
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    handler.addFilter(RedactSecrets([SECRET]))
    logger.addHandler(handler)
    try:
        if exc:
            try:
                raise RuntimeError(f"auth failed for {SECRET}")
            except RuntimeError:
                logger.exception(*args)  # type: ignore[arg-type]
        else:
            logger.warning(*args)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    record = records[-1]
    return logging.Formatter().format(record)


def test_configured_secrets_and_token_shapes_are_redacted(
    records: list[logging.LogRecord],
) -> None:
    line = emit(records, "calling with %s and %s", "xoxb-123-456-abcdef", SECRET)
    assert "xoxb-123" not in line and SECRET not in line
    assert line.count("[redacted]") == 2


def test_tracebacks_are_redacted_too(records: list[logging.LogRecord]) -> None:
    text = emit(records, "boom with xapp-1-A0-secret", exc=True)
    assert SECRET not in text and "xapp-1" not in text
    assert "RuntimeError" in text
