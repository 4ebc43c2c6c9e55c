"""Prometheus metrics.  Gauges are read from the engine and hub when scraped, so the
hot path pays only for a counter increment and a histogram observation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ..engine import Engine, Event
from ..engine.events import TicketIssued
from ..hub import Hub
from ..store import EventLog

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self, engine: Engine, hub: Hub, log: EventLog) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.tickets_issued = Counter(
            "queue_tickets_issued",
            "Tickets issued since the server started, per service",
            ["service"],
            registry=self.registry,
        )
        self.call_latency = Histogram(
            "queue_call_latency_seconds",
            "Time to answer a NEXT request: decide, commit, publish",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.registry.register(_StateCollector(engine, hub, log))

    def on_events(self, first_seq: int, events: Sequence[Event]) -> None:
        """Dispatcher listener: count what was issued."""
        for event in events:
            if type(event) is TicketIssued:
                self.tickets_issued.labels(event.service).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _StateCollector(Collector):
    def __init__(self, engine: Engine, hub: Hub, log: EventLog) -> None:
        self.engine, self.hub, self.log = engine, hub, log

    def collect(self) -> Iterator[Metric]:
        engine = self.engine
        waiting = GaugeMetricFamily(
            "queue_waiting_tickets",
            "Tickets waiting, per service and lane",
            labels=["service", "lane"],
        )
        for service in engine.config.services:
            for lane, priority in (("priority", True), ("normal", False)):
                waiting.add_metric(
                    [service.code, lane], engine.waiting_count(service.code, priority)
                )
        yield waiting
        counters = GaugeMetricFamily("queue_counters", "Counters per status", labels=["status"])
        by_status: dict[str, int] = {"open": 0, "paused": 0, "closed": 0}
        for counter in engine.state.counters.values():
            by_status[counter.status.value] += 1
        for status, count in by_status.items():
            counters.add_metric([status], count)
        yield counters
        clients = GaugeMetricFamily(
            "queue_websocket_clients", "Connected websocket clients per view", labels=["view"]
        )
        for view, count in sorted(self.hub.clients().items()):
            clients.add_metric([view], count)
        yield clients
        dropped = CounterMetricFamily(
            "queue_websocket_dropped_slow", "Websocket clients dropped for being too slow"
        )
        dropped.add_metric([], self.hub.dropped_slow)
        yield dropped
        yield GaugeMetricFamily(
            "queue_event_log_seq", "Last committed event seq", value=self.log.last_seq
        )
