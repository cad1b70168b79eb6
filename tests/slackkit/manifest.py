"""Validate a Slack app manifest offline against Slack's published JSON schema.

``manifest.schema.json`` picks the versioned schema by ``_metadata.major_version`` and refers
to it by a raw.githubusercontent.com URL. Tests must not download anything, so those URLs are
mapped onto the copies in ``tests/schemas/slack-manifest/`` through a ``referencing.Registry``;
an unmapped URL fails with ``referencing.exceptions.Unresolvable`` rather than being fetched.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "slack-manifest"
_REMOTE_BASE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
_VERSIONED_SCHEMAS = ("manifest.schema.1.0.0.json", "manifest.schema.2.0.0.json")


def _load(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> Draft7Validator:
    registry: Registry = Registry().with_resources(
        (_REMOTE_BASE + name, Resource.from_contents(_load(name))) for name in _VERSIONED_SCHEMAS
    )
    return Draft7Validator(_load("manifest.schema.json"), registry=registry)


def validate_manifest(manifest: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` if ``manifest`` is invalid.

    The schema leaves scope and event names as free strings, so this does not prove that the
    scopes and events the bot uses are declared; compare those separately.
    """
    errors = [_within_selected_version(e) for e in _validator().iter_errors(manifest)]
    if errors:
        raise best_match(errors)


def _within_selected_version(error: ValidationError) -> ValidationError:
    """Report the failure inside the versioned schema the manifest's ``_metadata`` selects.

    The entry schema is a ``oneOf`` whose branches are ``allOf: [version condition, $ref]``.
    Left alone, jsonschema reports whichever branch looks best, often "2 was expected" from a
    branch whose version condition does not apply; the error from the applicable branch's
    ``$ref`` (e.g. an unexpected property) is the one worth reading.
    """
    if error.validator != "oneOf":
        return error
    branches: dict[int, list[ValidationError]] = {}
    for sub_error in error.context or ():
        branches.setdefault(sub_error.relative_schema_path[0], []).append(sub_error)
    for sub_errors in branches.values():
        if all(list(e.relative_schema_path)[1:3] != ["allOf", 0] for e in sub_errors):
            return best_match(sub_errors) or error
    return error
