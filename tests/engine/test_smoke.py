from engine import Engine, Event


def test_two_slots_four_workers_exact_trace() -> None:
    engine = Engine(seed=1)
    engine.concurrency("task:work", 2)
    seen = []
    engine.subscribe(Event, lambda ev: seen.append((type(ev).__name__, round(ev.time, 9), ev.agent)))

    async def worker(ctx, delay: float) -> None:
        await ctx.sleep(delay)
        async with ctx.task("work"):
            await ctx.sleep(1.0)

    for i in range(4):
        engine.spawn(worker, 0.1 * i)
    engine.run()
    task_events = [e for e in seen if e[0].startswith("Task")]
    assert task_events == [
        ("TaskStarted", 0.0, 0),
        ("TaskStarted", 0.1, 1),
        ("TaskBlocked", 0.2, 2),
        ("TaskBlocked", 0.3, 3),
        ("TaskFinished", 1.0, 0),
        ("TaskStarted", 1.0, 2),
        ("TaskFinished", 1.1, 1),
        ("TaskStarted", 1.1, 3),
        ("TaskFinished", 2.0, 2),
        ("TaskFinished", 2.1, 3),
    ]
