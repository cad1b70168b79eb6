"""A few counters in Prometheus' text format; enough for /metrics without another dependency."""

from __future__ import annotations

from collections import Counter


class Metrics:
    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.cases_opened = 0
        self.cases_resolved = 0
        self.effects_delivered = 0
        self.effect_attempts_failed = 0

    def request(self, method: str, route: str, status: int) -> None:
        self.requests[(method, route, status)] += 1

    def render(self, pending: int, failed: int) -> str:
        lines = [
            "# HELP complaintbot_http_requests_total HTTP requests served, by route and status.",
            "# TYPE complaintbot_http_requests_total counter",
        ]
        for (method, route, status), count in sorted(self.requests.items()):
            labels = f'method="{method}",route="{route}",status="{status}"'
            lines.append(f"complaintbot_http_requests_total{{{labels}}} {count}")
        for name, kind, value, help_text in (
            ("cases_opened_total", "counter", self.cases_opened, "Cases opened."),
            ("cases_resolved_total", "counter", self.cases_resolved, "Resolutions recorded."),
            ("effects_delivered_total", "counter", self.effects_delivered, "Effects sent."),
            (
                "effect_attempts_failed_total",
                "counter",
                self.effect_attempts_failed,
                "Delivery attempts that failed (retried or given up).",
            ),
            ("effects_pending", "gauge", pending, "Effects waiting in the outbox."),
            ("effects_failed", "gauge", failed, "Effects given up on; see the logs."),
        ):
            lines += [
                f"# HELP complaintbot_{name} {help_text}",
                f"# TYPE complaintbot_{name} {kind}",
                f"complaintbot_{name} {value}",
            ]
        return "\n".join(lines) + "\n"
