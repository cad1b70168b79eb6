"""One exception hierarchy for the whole bot.

    ComplaintbotError
    ├── ConfigError            start-up input is wrong; the message names the key and the fix
    │   ├── DirectoryError     the directory file (people, clients, channels)
    │   └── SettingsError      the environment
    ├── Refusal                a user asked for something the rules do not allow;
    │                          carries a message-catalog key, shown to that user alone
    │   ├── NotAllowed         their role may not do this step
    │   └── NotNow             the case is not in a state where this step makes sense
    ├── StorageError           the store cannot do what was asked
    │   ├── StoreLocked        another process holds the store
    │   ├── Conflict           the case changed under us (optimistic concurrency); retry
    │   ├── DuplicateSource    the source message already has a case
    │   └── DuplicateDelivery  this platform delivery was already recorded with its change
    └── DeliveryError          a platform API call failed
        └── TransientDeliveryError   ...and is worth retrying later

Adapters catch `Refusal` in one place and turn it into an ephemeral reply; they
never decide the rules themselves.
"""

from __future__ import annotations

from typing import Any


class ComplaintbotError(Exception):
    """Base of every error the bot raises on purpose."""


class ConfigError(ComplaintbotError):
    """Start-up input is wrong. `str()` names the key and says how to fix it."""

    def __init__(self, key: str, problem: str, fix: str) -> None:
        self.key, self.problem, self.fix = key, problem, fix
        super().__init__(f"{key}: {problem}. Fix: {fix}")


class DirectoryError(ConfigError):
    """The directory file is invalid."""


class SettingsError(ConfigError):
    """An environment variable is invalid."""


class Refusal(ComplaintbotError):
    """The rules refuse a user's request. `key` and `params` pick the text from the catalog."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key, self.params = key, params
        super().__init__(key)


class NotAllowed(Refusal):
    """The actor's role may not take this step."""


class NotNow(Refusal):
    """The step does not fit the case's current state."""


class StorageError(ComplaintbotError):
    """The store failed or refused."""


class StoreLocked(StorageError):
    """Another process already has the store open."""


class Conflict(StorageError):
    """The case was changed by someone else since it was read."""


class DuplicateSource(StorageError):
    """The source message already opened a case; `case_id` names it."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(f"source message already has case {case_id}")


class DuplicateDelivery(StorageError):
    """The platform delivered this event before, and its change is already stored."""

    def __init__(self, delivery_id: str) -> None:
        self.delivery_id = delivery_id
        super().__init__(f"delivery {delivery_id} was already recorded")


class DeliveryError(ComplaintbotError):
    """A platform refused an effect for good (the outbox marks it failed)."""


class TransientDeliveryError(DeliveryError):
    """A platform failed in a way worth retrying (rate limit, 5xx, network).

    `retry_after` is the platform's own wait, if it gave one; `maybe_done` says the
    platform may have carried the call out before failing (a timeout, a 5xx), so the
    retry must look before it posts again."""

    def __init__(
        self, message: str, retry_after: float | None = None, maybe_done: bool = False
    ) -> None:
        self.retry_after, self.maybe_done = retry_after, maybe_done
        super().__init__(message)

