"""The topic layout, shared by runs and ``observatory control``.

Compatible with the layout of the engine this project grew from::

    {prefix}/constraints/{scope, ':' as '/'}   retained constraint payloads
    {prefix}/commands/{run_id}                 command texts (``concurrency task:work 5``)
    {prefix}/telemetry/{run_id}/metrics        once per wall second
    {prefix}/telemetry/{run_id}/events         task event batches (--mqtt-events)
    {prefix}/status/{run_id}                   retained online / offline (Last Will)
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "observatory"
PREFIX_FORM = "topic levels of letters, digits and - _ . /, without + # or a leading /"


class TopicError(ValueError):
    """A ``--mqtt-prefix`` that cannot name topics."""


def check_prefix(prefix: str) -> str:
    """The prefix as given, if it can start topic names (raises TopicError)."""
    bad = (
        not prefix
        or prefix.startswith("/")
        or prefix.endswith("/")
        or "//" in prefix
        or any(c in prefix for c in "+#\0")
        or len(prefix.encode()) > 1000
    )
    if bad:
        raise TopicError(f"--mqtt-prefix: {prefix[:60]!r} is not valid: use {PREFIX_FORM}")
    return prefix


def scope_topic_part(scope: str) -> str:
    """A scope as the topic levels under ``constraints/``: ``task:work`` -> ``task/work``."""
    return scope.replace(":", "/")


def scope_from_topic_part(part: str) -> str:
    """The scope a constraints topic names: ``task/work`` -> ``task:work``."""
    return part.replace("/", ":")


@dataclass(frozen=True)
class Topics:
    """Every topic of one prefix, and of one run when ``run_id`` is given."""

    prefix: str = DEFAULT_PREFIX
    run_id: str = "+"

    @property
    def constraints_root(self) -> str:
        return f"{self.prefix}/constraints/"

    @property
    def constraints_filter(self) -> str:
        return f"{self.prefix}/constraints/#"

    def constraint(self, scope: str) -> str:
        return self.constraints_root + scope_topic_part(scope)

    @property
    def commands(self) -> str:
        return f"{self.prefix}/commands/{self.run_id}"

    @property
    def metrics(self) -> str:
        return f"{self.prefix}/telemetry/{self.run_id}/metrics"

    @property
    def events(self) -> str:
        return f"{self.prefix}/telemetry/{self.run_id}/events"

    @property
    def status(self) -> str:
        return f"{self.prefix}/status/{self.run_id}"

    def scope_of(self, topic: str) -> str | None:
        """The scope a constraints topic names, or None for any other topic."""
        root = self.constraints_root
        if not topic.startswith(root) or len(topic) == len(root):
            return None
        return scope_from_topic_part(topic[len(root) :])

    def run_of(self, topic: str) -> str | None:
        """The run id of a telemetry or status topic, or None."""
        parts = topic[len(self.prefix) + 1 :].split("/") if topic.startswith(self.prefix + "/") else []
        if len(parts) >= 2 and parts[0] in ("telemetry", "status"):
            return parts[1]
        return None
