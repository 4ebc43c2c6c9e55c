"""Prometheus metrics.  Gauges are read from the engine and hub when scraped, so the
hot path pays only for a counter increment and a histogram observation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from ..engine import Engine, Event
from ..engine.events import TicketIssued, TicketPrinted, TicketPrintFailed
from ..engine.state import LANES
from ..live.fanout import Hub
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
        self.tickets_printed = Counter(
            "queue_tickets_printed",
            "Tickets printed since the server started, per printer",
            ["printer"],
            registry=self.registry,
        )
        self.print_failures = Counter(
            "queue_ticket_print_failures",
            "Tickets no printer could print (shown on the kiosk's screen instead)",
            registry=self.registry,
        )
        self.registry.register(_StateCollector(engine, hub, log))
        self._issued: dict[str, Any] = {}
        """Per-service children of `tickets_issued`, looked up once (labels() takes a lock)."""

    def on_events(self, first_seq: int, events: Sequence[Event]) -> None:
        """Dispatcher listener: count what was issued."""
        for event in events:
            if type(event) is TicketIssued:
                issued = self._issued.get(event.service)
                if issued is None:
                    issued = self._issued[event.service] = self.tickets_issued.labels(event.service)
                issued.inc()
            elif type(event) is TicketPrinted:
                self.tickets_printed.labels(event.printer).inc()
            elif type(event) is TicketPrintFailed:
                self.print_failures.inc()

    def watch_serial_lines(self, states: Callable[[], Iterable[dict[str, Any]]]) -> None:
        """Serial lines (keypads, radio receivers, LED signs): read when scraped."""
        self.registry.register(_SerialLineCollector(states))

    def watch_city_link(self, status: Callable[[], dict[str, Any]]) -> None:
        """The link to the city's PostgreSQL (queue_server/city/): read when scraped."""
        self.registry.register(_CityLinkCollector(status))

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
        for code in engine.setup.service_codes:
            for lane in LANES:
                waiting.add_metric([code, lane], engine.state.lines.count(code, lane))
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
        yield from _device_metrics(self.hub.devices.values())


def _device_metrics(devices: Iterable[dict[str, Any]]) -> Iterator[Metric]:
    """Up or not per device, and each printer's state (online, paper_near_end, ...)."""
    up = GaugeMetricFamily(
        "queue_device_up", "1 when the device can work now", labels=["device", "kind"]
    )
    states = InfoMetricFamily(
        "queue_printer_state", "A printer's state and why", labels=["printer"]
    )
    for device in devices:
        kind = str(device.get("kind", ""))
        up.add_metric([device["name"], kind], 1 if device.get("up") else 0)
        if kind == "printer":
            states.add_metric([device["name"]], {"state": device["state"]})
    yield up
    yield states


class _SerialLineCollector(Collector):
    def __init__(self, states: Callable[[], Iterable[dict[str, Any]]]) -> None:
        self.states = states

    def collect(self) -> Iterator[Metric]:
        online = GaugeMetricFamily(
            "queue_serial_line_online",
            "1 while the line's port is open",
            labels=["line", "protocol"],
        )
        keypads = GaugeMetricFamily(
            "queue_keypads_online", "Keypads answering on a keypad line", labels=["line"]
        )
        corrupt = CounterMetricFamily(
            "queue_serial_corrupt_frames",
            "Frames dropped for a bad CRC or a bad shape, per line",
            labels=["line"],
        )
        for state in self.states():
            online.add_metric([state["line"], state["protocol"]], 1 if state["online"] else 0)
            if "keypads_online" in state:
                keypads.add_metric([state["line"]], state["keypads_online"])
            corrupt.add_metric([state["line"]], state["corrupt_frames"])
        yield online
        yield keypads
        yield corrupt


class _CityLinkCollector(Collector):
    def __init__(self, status: Callable[[], dict[str, Any]]) -> None:
        self.status = status

    def collect(self) -> Iterator[Metric]:
        status = self.status()
        yield GaugeMetricFamily(
            "queue_city_link_up",
            "1 while the city's PostgreSQL takes this centre's events",
            value=1 if status["up"] else 0,
        )
        refused = GaugeMetricFamily(
            "queue_city_link_refused",
            "1 while the city's PostgreSQL refuses this centre's events (its role, row-level "
            "security, the schema)",
        )
        refused.add_metric([], 1 if status["state"] == "refused" else 0)
        yield refused
        yield GaugeMetricFamily(
            "queue_city_lag_events",
            "Committed events the city's PostgreSQL does not hold yet",
            value=status["lag_events"],
        )
        yield GaugeMetricFamily(
            "queue_city_lag_seconds",
            "Age of the oldest committed event the city's PostgreSQL does not hold yet",
            value=status["lag_seconds"],
        )
        shipped = CounterMetricFamily(
            "queue_city_shipped_events", "Events the city's PostgreSQL took since the start"
        )
        shipped.add_metric([], status["shipped_events"])
        yield shipped
        refusals = CounterMetricFamily(
            "queue_city_refused_batches", "Batches the city's PostgreSQL refused since the start"
        )
        refusals.add_metric([], status["refused_batches"])
        yield refusals
