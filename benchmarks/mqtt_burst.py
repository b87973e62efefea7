"""A burst of 1,000 constraint messages over a real mosquitto: all applied in order, and the TUI's fps.

    PYTHONPATH=. python -m benchmarks.mqtt_burst               # both parts
    PYTHONPATH=. python -m benchmarks.mqtt_burst --live 0      # only the lockstep part

Starts a private mosquitto on a free loopback port (three-line config).

Lockstep: the app runs headless (``App.run_test``) on bottleneck; frames are
driven one by one as in ``tui_fps``. The burst is published (QoS 1,
retained) and waited for until the link has queued all of it (the worst case: it all
waits at once). Frames then drain it within their budget. Side by side:
the median ordinary frame, how many frames the burst took and the longest
of them, in ms.

Live: ``observatory run bottleneck --mqtt ...`` in a tmux window (private
server); fps read off the status panel before the burst and every quarter
second for three seconds after it; then ``q``, and the metrics file says
whether all 1,000 commands were applied in order.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from benchmarks.tmux_window import TmuxWindow, load

BURST = 1000


def start_broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    import shutil
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = folder / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    binary = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin")
    process = subprocess.Popen([binary, "-c", str(config)], stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def burst(port: int, prefix: str, count: int = BURST) -> float:
    """Publish ``count`` limits 1..count on task:work; returns the wall seconds it took."""
    client = paho.Client(CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", port)
    client.loop_start()
    start = time.perf_counter()
    infos = [
        client.publish(f"{prefix}/constraints/task/work",
                       json.dumps({"type": "concurrency", "params": {"limit": n}}), qos=1, retain=True)
        for n in range(1, count + 1)
    ]
    for info in infos:
        info.wait_for_publish(timeout=30)
    took = time.perf_counter() - start
    client.disconnect()
    client.loop_stop()
    return took


async def lockstep(port: int) -> None:
    from benchmarks.tui_fps import render_frame
    from observatory.mqtt.address import parse_address
    from observatory.mqtt.remote import MqttOptions
    from observatory.mqtt.session import open_remote
    from observatory.tui import ObservatoryApp
    from scenarios.bottleneck import SCENARIO
    from scenarios.params import parse_params

    prefix = f"bench-{os.getpid()}-a"
    remote = open_remote(MqttOptions(parse_address(f"mqtt://127.0.0.1:{port}"), prefix), "bottleneck", 1, 1.0)
    app = ObservatoryApp(SCENARIO, parse_params(SCENARIO.params, {}), seed=1, remote=remote)
    async with app.run_test(size=(148, 53)):
        app.notify = lambda *a, **k: None  # type: ignore[method-assign]
        remote.notify = lambda *a: None
        app.ticker.stop()
        for timer in list(app._timers):
            timer.stop()
        written: list[str] = []
        app._driver.write = written.append
        ordinary = []
        for i in range(140):
            start = time.perf_counter()
            render_frame(app, written)
            if i >= 20:
                ordinary.append(time.perf_counter() - start)
            time.sleep(1 / 60)
        took = burst(port, prefix)
        while remote.link._heard.qsize() < BURST:
            time.sleep(0.01)
        burst_frames = []
        if os.environ.get("BURST_PROFILE"):
            import cProfile
            import pstats
            profile = cProfile.Profile()
            profile.runcall(render_frame, app, written)
            pstats.Stats(profile).sort_stats("tottime").print_stats(15)
        while len(app.engine.commands) < BURST and len(burst_frames) < 10_000:
            start = time.perf_counter()
            render_frame(app, written)
            burst_frames.append(time.perf_counter() - start)
            time.sleep(1 / 60)
        if os.environ.get("BURST_FRAMES"):
            print([round(f * 1000, 1) for f in burst_frames])
        applied = [a.command.args["limit"] for a in app.engine.commands]
    remote.close()
    in_order = applied == list(range(1, BURST + 1))
    print(f"lockstep, bottleneck 500 agents, 148x53 ({load()}); burst published in {took * 1000:.0f} ms")
    print(f"  {'':>16} {'frames':>7} {'median ms':>10} {'90% ms':>8} {'longest ms':>11}   in order")
    for name, times in (("ordinary", ordinary), ("draining burst", burst_frames)):
        ms = sorted(t * 1000 for t in times)
        print(f"  {name:>16} {len(ms):>7} {statistics.median(ms):>10.2f} {ms[int(0.9 * (len(ms) - 1))]:>8.2f}"
              f" {ms[-1]:>11.2f}   {in_order if name != 'ordinary' else ''}")


def live(port: int, seconds: float) -> None:
    prefix = f"bench-{os.getpid()}-b"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "m.json"
        command = (
            f"COLORTERM=truecolor {sys.executable} -m observatory run bottleneck "
            f"--mqtt mqtt://127.0.0.1:{port} --mqtt-prefix {prefix} --metrics-out {out}"
        )
        pattern = {"fps": r"fps\s+(\d+)"}
        with TmuxWindow(command, 148, 53) as window:
            before = window.readings(pattern, seconds, 8, every=0.25)["fps"]
            took = burst(port, prefix)
            after = window.readings(pattern, 0.0, 12, every=0.25)["fps"]
            window.keys("q")
            for _ in range(100):
                if out.exists():
                    break
                time.sleep(0.1)
        time.sleep(0.3)
        record = json.loads(out.read_text())
    limits = [c["args"].get("limit") for c in record["commands"]]
    print(f"live in tmux, bottleneck, 148x53 ({load()}); burst published in {took * 1000:.0f} ms")
    print(f"  {'fps before (median/min)':>26} {'fps after burst (median/min)':>30} {'in order':>10}")
    in_order = limits == list(range(1, BURST + 1))
    print(f"  {statistics.median(before):>18.0f} / {min(before):<5.0f} "
          f"{statistics.median(after):>22.0f} / {min(after):<5.0f} {in_order!s:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", type=float, default=3.0, help="warm-up s before the live burst (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        broker, port = start_broker(Path(folder))
        try:
            asyncio.run(lockstep(port))
            if args.live:
                live(port, args.live)
        finally:
            broker.terminate()
            broker.wait()


if __name__ == "__main__":
    main()
