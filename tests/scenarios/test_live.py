"""Live parameters: declared per scenario, checked as on the command line, read at their next use."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Engine, TaskFinished, TaskStarted
from engine.commands import CommandError, parse_command
from scenarios.distributions import Distribution
from scenarios.live import stepped
from scenarios.params import ParamSpec, parse_params, specs
from scenarios.registry import installed, load

THINK = ParamSpec("think", Distribution, None, "")
LIVE = {
    "bottleneck": ["slots", "think", "service"],
    "fireflies": ["refractory", "nudge", "limit"],
    "conway": ["loss", "patience", "limit"],
    "retry-storm": ["slots", "timeout", "jitter", "outage"],
}


_ENGINES: list[Engine] = []


@pytest.fixture(autouse=True)
def _close_engines():
    """Agents that never ran are discarded, so no 'never awaited' warnings come later."""
    yield
    while _ENGINES:
        _ENGINES.pop().close()


def built(name: str, seed: int = 1, **values: str) -> tuple[Engine, object]:
    scenario = load(name)
    engine = Engine(seed)
    _ENGINES.append(engine)
    return engine, scenario.build(engine, parse_params(scenario.params, values))


@pytest.mark.parametrize("name", sorted(LIVE))
def test_bundled_scenarios_declare_their_live_parameters_and_register_each(name: str) -> None:
    declared = [s.name for s in specs(load(name).params) if s.live]
    assert declared == LIVE[name]
    engine, _ = built(name)
    assert list(engine.live_parameters) == declared


def test_every_declared_live_parameter_is_registered_in_every_installed_scenario() -> None:
    for scenario in installed():
        engine = Engine(0)
        _ENGINES.append(engine)
        scenario.build(engine, parse_params(scenario.params, {}))
        assert sorted(engine.live_parameters) == sorted(s.name for s in specs(scenario.params) if s.live)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bottleneck", "set slots 0", "--slots: 0 is out of range: use a whole number >= 1"),
        ("bottleneck", "set think soon", "--think: 'soon' is not a valid distribution: use uniform:A,B"),
        ("bottleneck", "set agents 3", "set: 'agents' is not a live parameter: use one of service, slots"),
        ("fireflies", "set nudge 6", "--nudge: 6 is too large: use a number < --period (5)"),
        ("fireflies", "set limit 0", "--limit: 0 is out of range"),
        ("conway", "set loss 1.5", "--loss: 1.5 is out of range: use a number from 0 to 1"),
        ("conway", "set width 10", "set: 'width' is not a live parameter"),
    ],
)
def test_a_bad_value_gets_the_command_line_message_and_changes_nothing(
    name: str, text: str, message: str
) -> None:
    engine, _ = built(name)
    before = {n: p.current() for n, p in engine.live_parameters.items()}
    with pytest.raises(CommandError) as caught:
        engine.submit(parse_command(text))
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert {n: p.current() for n, p in engine.live_parameters.items()} == before
    assert engine.commands == []


def test_bottleneck_slots_set_the_limit_and_a_limit_command_shows_as_slots() -> None:
    engine, _ = built("bottleneck", agents="60")
    engine.schedule(2.0, parse_command("set slots 3"))
    engine.run(until=3.0)
    assert engine.constraint("task:work", "concurrency").limit == 3
    assert engine.constraint_log[-1] == (2.0, "set", "concurrency", "task:work", "limit 3")
    engine.submit(parse_command("concurrency task:work 7"))
    assert engine.live_parameters["slots"].current() == 7


def test_bottleneck_service_applies_from_each_agents_next_task() -> None:
    engine, _ = built("bottleneck", agents="30", slots="30")
    engine.schedule(5.0, parse_command("set service const:0.5"))
    starts: dict[int, float] = {}
    durations = []
    engine.subscribe(TaskStarted, lambda ev: starts.__setitem__(ev.agent, ev.time))
    engine.subscribe(TaskFinished, lambda ev: durations.append((starts[ev.agent], ev.duration)))
    engine.run(until=20.0)
    before = [d for t, d in durations if t < 5.0]
    after = [d for t, d in durations if t > 5.0]
    assert before and after
    assert all(0.1 <= d <= 0.3 for d in before)
    assert all(d == pytest.approx(0.5) for d in after)


def test_fireflies_nudge_zero_stops_the_coupling_from_the_next_signal() -> None:
    # With no nudge every firefly flashes exactly one period after the last: phases freeze.
    engine, swarm = built("fireflies", width="6", height="6", jitter="0")
    engine.schedule(3.0, parse_command("set nudge 0"))
    engine.run(until=10.0)
    refs = swarm.refs.copy()
    engine.run(until=40.0)
    periods = (swarm.refs - refs) / 5.0  # each flash moves a phase's zero by one period, no more
    assert np.allclose(periods, np.round(periods), atol=1e-6) and periods.min() >= 5


def test_fireflies_limit_none_removes_the_flash_limit() -> None:
    engine, _ = built("fireflies", limit="2")
    engine.schedule(1.0, parse_command("set limit none"))
    engine.run(until=2.0)
    assert engine.constraint("task:flash", "concurrency") is None
    assert engine.live_parameters["limit"].current() is None


def test_conway_set_loss_switches_the_cells_to_mailboxes_at_a_generation_boundary() -> None:
    # A loss too small to lose anything: the cells change protocol and Life stays exact.
    plain_engine, plain = built("conway", width="16", height="12", generations="60")
    plain_engine.run()
    engine, world = built("conway", width="16", height="12", generations="60")
    engine.schedule(2.0, parse_command("set loss 1e-12"))
    engine.run()
    assert world.lossy_from == 18  # 16 generations done at t = 2: the first nobody began
    assert world.metrics()["logic_errors"] == world.metrics()["drift_errors"] == 0
    assert np.array_equal(world.observed, plain.observed)


def test_conway_loss_set_back_to_zero_before_the_switch_calls_it_off() -> None:
    engine, world = built("conway", width="16", height="12", generations="40")
    engine.schedule(2.0, parse_command("set loss 0.5"))
    engine.schedule(2.0, parse_command("set loss 0"))
    engine.run()
    assert world.lossy_from == 41 and world.metrics()["messages_lost"] == 0


def test_conway_lossy_run_reads_patience_each_generation() -> None:
    engine, world = built("conway", width="12", height="12", generations="30", loss="0.3")
    engine.schedule(1.0, parse_command("set patience 0"))
    engine.run()
    assert world.patience == 0.0 and world.metrics()["logic_errors"] > 0


@pytest.mark.parametrize(
    ("spec", "value", "direction", "expected"),
    [
        (ParamSpec("slots", int, 20, "", min=1), 1, -1, "1"),
        (ParamSpec("slots", int, 20, "", min=1), 20, 1, "21"),
        (ParamSpec("nudge", float, 0.3, "", min=0.0, step=0.05), 0.3, 1, "0.35"),
        (ParamSpec("loss", float, 0.0, "", min=0.0, max=1.0, step=0.05), 0.0, -1, "0"),
        (ParamSpec("patience", float, 1.0, "", min=0.0), 1.0, 1, "2"),
        (ParamSpec("jitter", str, "none", "", choices=("none", "full")), "full", 1, "none"),
        (THINK, Distribution("uniform", 0.5, 1.5), 1, "uniform:0.625,1.875"),
        (ParamSpec("limit", int | None, None, ""), None, 1, None),
    ],
)
def test_stepping_a_value_for_the_controls_panel(spec, value, direction, expected) -> None:
    assert stepped(spec, value, direction) == expected


def test_an_unset_limit_steps_from_what_stands_for_it() -> None:
    assert stepped(ParamSpec("limit", int | None, None, "", min=1), None, -1, none_as=500) == "499"


def test_an_unset_limit_has_nothing_to_raise() -> None:
    assert stepped(ParamSpec("limit", int | None, None, "", min=1), None, 1, none_as=500) is None


def test_retry_storm_outage_started_by_hand_pauses_the_server_at_once() -> None:
    engine, world = built("retry-storm", clients="200", outage="0")
    engine.schedule(4.0, parse_command("set outage 2.5"))
    engine.schedule(5.0, parse_command("set jitter full"))
    engine.schedule(5.0, parse_command("set timeout 0.5"))
    engine.run(until=12.0)
    assert engine.constraint_log[-2:] == [
        (4.0, "set", "pause", "task:call", "paused until 6.5"),
        (6.5, "expired", "pause", "task:call", "paused until 6.5"),
    ]
    assert world.settings.jitter == "full" and world.settings.timeout == 0.5
    assert world.outage_end == 6.5


def test_retry_storm_outage_set_to_zero_before_it_is_due_calls_it_off() -> None:
    engine, world = built("retry-storm", clients="50")
    engine.schedule(1.0, parse_command("set outage 0"))
    engine.run(until=15.0)
    assert engine.constraint("task:call", "pause") is None and world.outage_end is None
    assert not [row for row in engine.constraint_log if row[2] == "pause"]
