"""What `/metrics` shows, with prometheus-client, in a registry of its own per runtime.

complaintbot_http_requests_total{method,route,status}       requests answered
complaintbot_http_request_duration_seconds{method,route}    time to answer (Slack's ack)
complaintbot_cases_opened_total, complaintbot_cases_resolved_total
complaintbot_effects_delivered_total{kind}                  effects carried out
complaintbot_effect_attempts_failed_total{kind,outcome}     outcome: retried or gave_up
complaintbot_effect_delivery_seconds{kind}                  from due to delivered
complaintbot_effects_pending, complaintbot_effects_failed   the outbox, read at each scrape
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST

# The `*_created` series double the text and nobody here reads them.
disable_created_metrics()

# An ack must come within Slack's 3 s; most take milliseconds.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
# A delivery is one platform call, unless it waits for a slot, its lane or a retry.
DELIVERY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "complaintbot_http_requests",
            "HTTP requests answered, by route and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "complaintbot_http_request_duration_seconds",
            "Time to answer an HTTP request (for a platform's event, its ack), by route.",
            ["method", "route"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self._counted: dict[tuple[str, str, int], Counter] = {}
        self._timed: dict[tuple[str, str], Histogram] = {}
        self.cases_opened = Counter("complaintbot_cases_opened", "Cases opened.", registry=r)
        self.cases_resolved = Counter(
            "complaintbot_cases_resolved", "Resolutions recorded.", registry=r
        )
        self.effects_delivered = Counter(
            "complaintbot_effects_delivered", "Effects carried out, by kind.", ["kind"], registry=r
        )
        self.effect_attempts_failed = Counter(
            "complaintbot_effect_attempts_failed",
            "Delivery attempts that failed, by kind and outcome (retried or gave_up).",
            ["kind", "outcome"],
            registry=r,
        )
        self.delivery_seconds = Histogram(
            "complaintbot_effect_delivery_seconds",
            "From when an effect was due (made, or its retry time) to its delivery, by kind.",
            ["kind"],
            buckets=DELIVERY_BUCKETS,
            registry=r,
        )
        self.effects_pending = Gauge(
            "complaintbot_effects_pending", "Effects waiting in the outbox.", registry=r
        )
        self.effects_failed = Gauge(
            "complaintbot_effects_failed", "Effects given up on; see the logs.", registry=r
        )

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        """On every request: each label set's children are looked up once, then kept
        (prometheus-client's `labels` takes a lock and builds a key on every call)."""
        counted = self._counted.get((method, route, status))
        if counted is None:
            counted = self.requests.labels(method, route, str(status))
            self._counted[(method, route, status)] = counted
        timed = self._timed.get((method, route))
        if timed is None:
            timed = self._timed[(method, route)] = self.request_seconds.labels(method, route)
        counted.inc()
        timed.observe(seconds)

    def delivered(self, kind: str, seconds: float) -> None:
        self.effects_delivered.labels(kind).inc()
        self.delivery_seconds.labels(kind).observe(max(seconds, 0.0))

    def attempt_failed(self, kind: str, gave_up: bool) -> None:
        self.effect_attempts_failed.labels(kind, "gave_up" if gave_up else "retried").inc()

    def value(self, name: str, **labels: str) -> float:
        """One sample's value (0 when it has none yet); for tests and logs."""
        return self.registry.get_sample_value(name, labels) or 0.0

    def render(self, pending: int, failed: int) -> bytes:
        self.effects_pending.set(pending)
        self.effects_failed.set(failed)
        return generate_latest(self.registry)
