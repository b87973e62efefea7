"""The conway scenario: message-passing Life agrees with numpy Life, exactly, in virtual time."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, Event, TaskBlocked
from scenarios import conway, life, patterns
from scenarios.conway import COMPUTE_TIME, ConwayParams
from scenarios.life import Cell
from scenarios.params import ParamError, parse_params


def run(seed: int = 1, **values: Any) -> tuple[Engine, conway.ConwayWorld]:
    engine = Engine(seed=seed)
    world = conway.build(engine, parse_params(ConwayParams, values))
    engine.run()
    assert world.done
    return engine, world


@pytest.fixture(autouse=True)
def keep_initial(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let tests see each world's generation-0 grid."""
    original = conway.ConwayWorld.__init__

    def init(self: conway.ConwayWorld, engine: Engine, params: ConwayParams, grid: np.ndarray) -> None:
        original(self, engine, params, grid)
        self.first = grid.copy()

    monkeypatch.setattr(conway.ConwayWorld, "__init__", init)


@pytest.mark.parametrize("generations", [4, 8, 32])
def test_glider_moves_one_cell_diagonally_every_4_generations_and_comes_home(generations: int) -> None:
    _, world = run(width=8, height=8, pattern="glider", generations=generations)
    start = world.first
    assert np.array_equal(world.observed, np.roll(start, (generations // 4,) * 2, axis=(0, 1)))
    if generations == 32:
        assert np.array_equal(world.observed, start)  # 8 cells on an 8 x 8 torus: home again
    assert world.metrics()["population_final"] == 5


def test_blinker_has_period_2() -> None:
    _, one = run(width=5, height=5, pattern="blinker", generations=1)
    vertical = np.zeros((5, 5), dtype=np.uint8)
    vertical[1:4, 2] = 1
    assert np.array_equal(one.observed, vertical)
    _, two = run(width=5, height=5, pattern="blinker", generations=2)
    assert np.array_equal(two.observed, two.first)
    assert not np.array_equal(one.observed, one.first)


def test_gosper_gun_adds_a_glider_every_30_generations() -> None:
    engine, world = run(width=40, height=24, pattern="gosper-glider-gun", generations=75)
    population = [int(v) for v in world.population.values]
    assert len(population) == 76
    assert population[0::30] == [36, 41, 46]
    assert all(population[g + 30] - population[g] == 5 for g in range(46))
    grid = world.first
    for gen in range(76):
        assert population[gen] == grid.sum()
        grid = life.step(grid)
    assert world.population.times == [gen * COMPUTE_TIME for gen in range(76)]
    assert engine.now == 75 * COMPUTE_TIME


def test_random_soup_equals_numpy_life_after_100_generations() -> None:
    _, world = run(seed=7, width=20, height=16, density=0.35, generations=100)
    assert np.array_equal(world.observed, life.run(world.first, 100))
    metrics = world.metrics()
    assert metrics == {
        "rule": "B3/S23",
        "generations": 100,
        "population_final": int(world.observed.sum()),
        "logic_errors": 0,
        "drift_errors": 0,
        "messages_lost": 0,
        "messages_early": 0,
    }
    assert abs(world.first.mean() - 0.35) < 0.06
    assert np.array_equal(world.state_grid(), world.observed)


def test_limit_changes_timing_never_results() -> None:
    blocked: list[int] = []
    results = {}
    for limit in (None, 1, 5, 143):
        engine = Engine(seed=3)
        engine.subscribe(TaskBlocked, lambda ev: blocked.append(ev.agent))
        params = parse_params(ConwayParams, {"width": 12, "height": 12, "generations": 20})
        params.limit = limit
        world = conway.build(engine, params)
        assert world.limit is not None and world.limit.value == limit
        engine.run()
        results[limit] = (world.observed.copy(), list(world.population.values), engine.now, world.early)
    grid, population, now, _ = results[None]
    assert now == 20 * COMPUTE_TIME  # no limit: every generation takes exactly one compute
    assert np.array_equal(grid, life.run(world.first, 20))
    for limit in (1, 5, 143):
        assert np.array_equal(results[limit][0], grid)
        assert results[limit][1] == population
    # One slot is never idle while a cell is behind (the slowest cells can always compute).
    assert results[1][2] == 144 * 20 * COMPUTE_TIME
    assert results[5][2] > now and blocked


def test_messages_from_cells_ahead_are_kept_for_their_generation() -> None:
    engine = Engine(seed=4)
    world = conway.build(engine, parse_params(ConwayParams, {"width": 9, "height": 9, "generations": 12}))
    # One cell cannot compute for a while: its neighbours wait for it, theirs run a generation ahead.
    engine.pause("agent:cell-4-4", ttl=1.0)
    engine.run()
    assert world.early > 0
    assert np.array_equal(world.observed, life.run(world.first, 12))
    assert (world.validator.logic_errors, world.validator.drift_errors) == (0, 0)
    assert engine.now == 1.0 + 12 * COMPUTE_TIME


@settings(max_examples=15, deadline=None)
@given(
    st.integers(3, 7),
    st.integers(3, 7),
    st.integers(0, 2**16),
    st.one_of(st.none(), st.integers(1, 12)),
    st.integers(1, 12),
)
def test_lossless_runs_always_match_numpy(
    width: int, height: int, seed: int, limit: int | None, gens: int
) -> None:
    engine = Engine(seed=seed)
    params = parse_params(ConwayParams, {"width": width, "height": height, "generations": gens})
    params.limit = limit
    world = conway.build(engine, params)
    start = world.validator.true.copy()
    engine.run()
    assert world.done and world.validator.generation == gens
    assert (world.validator.logic_errors, world.validator.drift_errors) == (0, 0)
    assert np.array_equal(world.observed, life.run(start, gens))


def test_lost_messages_show_as_errors() -> None:
    _, world = run(seed=5, width=16, height=16, generations=30, loss=0.05, patience=0.5)
    metrics = world.metrics()
    assert metrics["messages_lost"] > 0
    assert metrics["logic_errors"] > 0 and metrics["drift_errors"] > 0
    check = world.last_check
    assert check is not None and check.generation == 30
    assert np.array_equal(world.state_grid(), check.cells)
    shown = world.counts()
    assert shown["logic +"] + shown["logic -"] == check.logic_errors
    assert shown["logic +"] + shown["logic -"] + shown["drift +"] + shown["drift -"] == int(
        np.count_nonzero(check.cells > Cell.ALIVE)
    )
    assert sum(world.logic.values) == metrics["logic_errors"]
    assert sum(world.drift.values) == metrics["drift_errors"]
    # The same seed loses the same messages.
    _, again = run(seed=5, width=16, height=16, generations=30, loss=0.05, patience=0.5)
    assert again.metrics() == metrics
    assert np.array_equal(again.observed, world.observed)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**16),
    st.floats(0.0005, 0.2),
    st.sampled_from([0.0, 0.1, 1.0]),
    st.one_of(st.none(), st.integers(1, 4)),
)
def test_lossy_runs_finish_and_account_for_their_errors(
    seed: int, loss: float, patience: float, limit: int | None
) -> None:
    engine = Engine(seed=seed)
    params = parse_params(ConwayParams, {"width": 4, "height": 3, "generations": 6, "loss": loss})
    params.patience, params.limit = patience, limit
    world = conway.build(engine, params)
    engine.run()
    metrics = world.metrics()
    assert world.done and metrics["generations"] == 6
    assert sum(world.logic.values) == metrics["logic_errors"]
    assert sum(world.drift.values) == metrics["drift_errors"]
    assert world.last_check is not None and np.array_equal(world.state_grid(), world.last_check.cells)
    if metrics["messages_lost"] == 0 and limit is None:
        # Cells in step hear every message at the instant it is sent: nothing to get wrong.
        assert (metrics["logic_errors"], metrics["drift_errors"]) == (0, 0)


def test_loss_waits_patience_for_a_silent_neighbour() -> None:
    engine, world = run(width=4, height=3, generations=2, loss=1.0, patience=0.75)
    # Nothing ever arrives: each generation is a full wait of patience, then one compute.
    assert engine.now == 2 * (0.75 + COMPUTE_TIME)
    assert world.metrics()["messages_lost"] == 4 * 3 * 8 * 2
    # Every cell believes its neighbours dead: all die, whatever the soup.
    assert world.observed.sum() == 0


def test_golden_trace() -> None:
    """A short run's event stream at a fixed seed; a change here is a change of behaviour."""
    engine = Engine(seed=11)
    seen: list[str] = []
    engine.subscribe(Event, lambda ev: seen.append(f"{type(ev).__name__} {ev.time:g} {ev.agent} {ev.task}"))
    params = parse_params(ConwayParams, {"width": 5, "height": 4, "generations": 3, "limit": "3"})
    world = conway.build(engine, params)
    engine.run()
    assert world.done
    kinds = [line.split()[0] for line in seen]
    assert [kinds.count(k) for k in ("AgentStarted", "TaskStarted", "TaskFinished", "AgentFinished")] == [
        20,
        60,
        60,
        20,
    ]
    # Here the 3 slots never idle: 60 computes take 20 rounds.
    assert engine.now == 20 * COMPUTE_TIME
    digest = hashlib.sha256("\n".join(seen).encode()).hexdigest()[:16]
    assert digest == "4a5496961fb732ab"


def test_params_are_checked() -> None:
    with pytest.raises(ParamError, match=r"--limit: 0 is out of range: use a whole number >= 1"):
        parse_params(ConwayParams, {"limit": "0"})
    with pytest.raises(ParamError, match=r"--limit: 'four' is not valid: use a whole number >= 1"):
        parse_params(ConwayParams, {"limit": "four"})
    with pytest.raises(ParamError, match=r"--limit: 0 is out of range"):
        parse_params(ConwayParams, {"limit": 0})
    with pytest.raises(ParamError, match=r"--limit: True is not valid"):
        parse_params(ConwayParams, {"limit": True})
    assert parse_params(ConwayParams, {"limit": "4"}).limit == 4
    assert parse_params(ConwayParams, {}).limit is None
    assert parse_params(ConwayParams, {"limit": "none"}).limit is None
    with pytest.raises(ParamError, match=r"--pattern: pattern 'Gosper glider gun' is 36 x 9 cells, larger"):
        parse_params(ConwayParams, {"pattern": "gosper-glider-gun", "width": 30})
    with pytest.raises(
        ParamError, match=r"--pattern: 'nope' is neither a pattern file \(\.rle or \.cells\) nor a bundled"
    ):
        parse_params(ConwayParams, {"pattern": "nope"})
    assert parse_params(ConwayParams, {"grid_out": "g.npy"}).grid_out == "g.npy"
    with pytest.raises(ParamError, match=r"--width: 2 is out of range"):
        parse_params(ConwayParams, {"width": "2"})


def test_bad_pattern_file_names_the_line(tmp_path) -> None:
    path = tmp_path / "bad.rle"
    path.write_text("#C fine so far\nx = 3, y = 3\nbo$2bo$\n3x!\n")
    with pytest.raises(ParamError, match=r"^--pattern: bad.rle, line 4: unexpected 'x'"):
        parse_params(ConwayParams, {"pattern": str(path)})


def test_grid_out_artifact_and_inspector() -> None:
    _, world = run(width=6, height=5, pattern="blinker", generations=3, grid_out="final.npy")
    grid = world.artifacts()["grid_out"]
    assert grid.shape == (5, 6) and grid.dtype == np.uint8
    assert np.array_equal(grid, life.run(patterns.place(patterns.load("blinker"), 6, 5), 3))
    assert world.describe_agent(2 * 6 + 2) == {"state": "alive", "generation": "3"}
    assert world.describe_agent(2 * 6 + 3)["state"] == "dead"
    assert [s.name for s in world.series()] == ["population", "logic errors", "drift errors"]


def test_limit_changed_while_running_leaves_results_alone() -> None:
    _, free = run(seed=9, width=10, height=8, generations=16)
    engine = Engine(seed=9)
    world = conway.build(engine, parse_params(ConwayParams, {"width": 10, "height": 8, "generations": 16}))
    assert world.limit is not None and world.limit.value is None
    engine.run(until=0.5)
    world.limit.set(engine, 3)  # what the TUI's [ and ] do
    engine.run(until=20.0)
    world.limit.set(engine, None)
    engine.run()
    assert world.done
    assert np.array_equal(world.observed, free.observed)
    assert engine.now > free.engine.now


def test_soup_comes_from_the_seed_and_the_scenario_is_installed() -> None:
    from scenarios import load

    assert load("conway") is conway.SCENARIO and conway.SCENARIO.stops_itself
    worlds = []
    for seed in (21, 21, 22):
        engine = Engine(seed=seed)
        worlds.append(
            conway.build(engine, parse_params(ConwayParams, {"width": 9, "height": 7, "generations": 1}))
        )
        assert not worlds[-1].done and worlds[-1].metrics()["generations"] == 0
        engine.run()
    a, b, c = worlds
    assert np.array_equal(a.first, b.first) and not np.array_equal(a.first, c.first)
    assert a.first.shape == (7, 9) and len(a.engine.agents) == 63
    assert a.engine.agents[10].name == "cell-1-1"
    assert a.done and a.metrics()["generations"] == 1


def test_fanout_delivers_like_broadcast_and_wakes_its_receiver_once() -> None:
    """The engine's Fanout, as the cells use it: one wake-up per receiver, however many messages."""
    engine = Engine(seed=0)
    log: list[tuple[float, int, list[int]]] = []

    async def receiver(ctx) -> None:
        assert await ctx.wait_messages(3)
        log.append((ctx.now, ctx.id, list(ctx.mailbox.items)))

    async def sender(ctx, targets: list[int]) -> None:
        out = ctx.fanout(targets)
        for k in range(3):
            await ctx.sleep(1.0)
            out.send(10 * ctx.id + k)

    for _ in range(2):
        engine.spawn(receiver)
    engine.spawn(sender, [0, 1])
    engine.run()
    assert log == [(3.0, 0, [20, 21, 22]), (3.0, 1, [20, 21, 22])]
    assert [engine.agents[i].mailbox.statistics().delivered for i in (0, 1)] == [3, 3]
    assert engine.kernel.steps == 2 * 2 + 4  # each receiver: start and one wake; the sender: 4 steps


@pytest.mark.parametrize("limit", [None, 1, 7])
def test_pure_life_takes_no_virtual_time_and_still_matches_numpy(limit: int | None) -> None:
    tasks: list[int] = []
    engine = Engine(seed=5)
    if limit is not None:  # a watched or governed compute task takes the full path
        engine.subscribe(TaskBlocked, lambda ev: tasks.append(ev.agent))
    values: dict[str, Any] = {"width": 10, "height": 8, "generations": 30, "compute_time": "0"}
    params = parse_params(ConwayParams, values | ({"limit": str(limit)} if limit else {}))
    world = conway.build(engine, params)
    engine.run()
    assert world.done and engine.now == 0.0
    assert np.array_equal(world.observed, life.run(world.first, 30))
    assert (world.validator.logic_errors, world.validator.drift_errors) == (0, 0)
    assert not tasks  # a task that takes no time never holds its slot while another asks
    # Every compute task is counted: spawn + 30 x (start, finish) + end per cell, and the limit's setting.
    assert engine.events_emitted == 80 * (1 + 60 + 1) + (limit is not None)


def test_screen_shows_verdict_errors_until_the_next_verdict_and_other_cells_latest_state() -> None:
    """Reports are fed by hand: a judged generation with one error, then cells running ahead."""
    engine = Engine(seed=0)
    params = parse_params(ConwayParams, {"width": 3, "height": 3, "pattern": "", "density": 0.0})
    world = conway.ConwayWorld(engine, params, np.zeros((3, 3), dtype=np.uint8))
    dead, alive, logic_plus = Cell.DEAD, Cell.ALIVE, Cell.LOGIC_FP
    for agent in range(9):  # generation 1: agent 4 comes alive, which the rule forbids
        world.report(agent, 1, 1 if agent == 4 else 0)
    assert world.state_grid().ravel().tolist() == [dead] * 4 + [logic_plus] + [dead] * 4
    world.report(4, 2, 0)  # agent 4 runs ahead: its error stays until the next verdict
    world.report(0, 2, 1)  # agent 0 runs ahead: shows its latest state
    world.report(0, 3, 0)
    world.report(1, 2, 1)
    shown = world.state_grid().ravel().tolist()
    assert shown == [dead, alive, dead, dead, logic_plus, dead, dead, dead, dead]
    assert world.counts()["logic +"] == 1 and world.counts()["alive"] == 1
    assert world.describe_agent(0)["generation"] == "3"
