"""The event bus: delivery by type, in subscription order, and its outlets."""

from __future__ import annotations

from engine import Engine
from engine.events import AgentStarted, Event, EventBus, TaskFinished, TaskStarted


def started(agent: int) -> TaskStarted:
    return TaskStarted(0.0, agent, "work", 0.0)


def test_an_outlet_with_one_subscriber_calls_it_directly() -> None:
    bus = EventBus()
    seen: list[int] = []

    def fn(ev: TaskStarted) -> None:
        seen.append(ev.agent)

    outlet = bus.outlet(TaskStarted)
    assert outlet.call is None
    bus.subscribe(TaskStarted, fn)
    assert outlet.call is fn
    bus.emit(started(3))
    assert seen == [3]
    assert bus.emitted == 1


def test_several_subscribers_hear_each_event_in_subscription_order() -> None:
    bus = EventBus()
    seen: list[str] = []
    bus.subscribe(TaskStarted, lambda ev: seen.append("a"))
    remove_b = bus.subscribe(TaskStarted, lambda ev: seen.append("b"))
    bus.subscribe(Event, lambda ev: seen.append("all"))
    bus.emit(started(0))
    assert seen == ["a", "b", "all"]
    remove_b()
    seen.clear()
    bus.emit(started(0))
    assert seen == ["a", "all"]


def test_unsubscribing_the_last_subscriber_silences_the_outlet() -> None:
    bus = EventBus()
    remove = bus.subscribe(TaskFinished, lambda ev: None)
    remove()
    remove()  # twice is harmless
    assert bus.outlet(TaskFinished).call is None
    assert bus.subscribers(TaskFinished) == []
    bus.emit(TaskFinished(0.0, 0, "work", "ok", 0.0))
    assert bus.emitted == 1


def test_a_subscription_made_during_a_delivery_applies_from_the_next_event() -> None:
    bus = EventBus()
    seen: list[str] = []

    def late(ev: TaskStarted) -> None:
        seen.append(f"late {ev.agent}")

    def first(ev: TaskStarted) -> None:
        seen.append(f"first {ev.agent}")
        if ev.agent == 0:
            bus.subscribe(TaskStarted, late)

    bus.subscribe(TaskStarted, first)
    bus.subscribe(TaskStarted, lambda ev: seen.append(f"second {ev.agent}"))
    bus.emit(started(0))
    bus.emit(started(1))
    assert seen == ["first 0", "second 0", "first 1", "second 1", "late 1"]


def test_engine_events_reach_a_lone_subscriber() -> None:
    engine = Engine(seed=0)
    names: list[str] = []
    engine.subscribe(AgentStarted, lambda ev: names.append(ev.name))

    async def idle(ctx) -> None:
        await ctx.sleep(1)

    engine.spawn(idle, name="one")
    engine.spawn(idle, name="two")
    engine.run()
    assert names == ["one", "two"]
