"""Many people at once: ``pathways bench --users N``.

Starts the dashboard on a release (demo sign-in, a fresh audit log, loopback only) and lets N
simulated people use it at the same time. Each one speaks Streamlit's own WebSocket protocol, as
a browser tab does: it signs in with a demo account (the accounts taken in turn), states a
purpose, then opens every page its role may open, sending the same rerun a browser sends for
each click and waiting for the server's "script finished" message.

What is measured is **server time**: from the moment a click is sent to the moment the server
says the page's script has finished, with every page element received. That includes waiting
behind the other people's scripts (one Python process serves everyone) and the audit log. It
does not include what a browser adds afterwards: loading the JavaScript bundle, drawing the
charts, fetching map tiles or images. A click with no answer within the stall bound is a
**stall**: that person stops there, and the pages they did not reach are counted as not reached.

Everything is bounded: at most ``MAX_USERS`` people, a time limit for the whole run, and the
server is stopped at the end whatever happened.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed

from contract.errors import PathwaysError

MAX_USERS = 100
OPEN = "open"
SIGN_IN = "sign-in"
PURPOSE = "purpose"
PURPOSE_NOTE = "Checking the dashboard under load"

# a hook the harness calls before each click: (user number, step); tests use it to hold a lock
BeforeStep = Callable[[int, str], None]


@dataclass
class Step:
    """One click of one simulated person: which step, how long the server took, and how it ended."""

    user: int
    account: str
    step: str
    seconds: float | None  # None when it stalled
    errors: list[str] = field(default_factory=list)
    title: str = ""  # the first heading the page drew, to show which page was reached

    @property
    def stalled(self) -> bool:
        return self.seconds is None


@dataclass
class UsersReport:
    """What ``bench --users`` measured, per step (sign-in, purpose, each page)."""

    users: int
    release: str
    stall_after: float
    think: float
    arrive_over: float
    wall_seconds: float
    load_before: str
    load_after: str
    steps: list[Step]
    unreached: dict[str, int]  # step -> how many people never got to it

    def rows(self) -> list[dict[str, Any]]:
        order: list[str] = []
        for s in self.steps:
            if s.step not in order:
                order.append(s.step)
        order += [name for name in self.unreached if name not in order]
        rows = []
        for name in order:
            done = sorted(s.seconds for s in self.steps if s.step == name and s.seconds is not None)
            rows.append(
                {
                    "step": name,
                    "answered": len(done),
                    "median_s": statistics.median(done) if done else None,
                    "p95_s": _percentile(done, 0.95) if done else None,
                    "max_s": done[-1] if done else None,
                    "stalls": sum(s.stalled for s in self.steps if s.step == name),
                    "errors": sum(bool(s.errors) for s in self.steps if s.step == name),
                    "not_reached": self.unreached.get(name, 0),
                }
            )
        return rows

    @property
    def stalled_users(self) -> list[int]:
        return sorted({s.user for s in self.steps if s.stalled})

    def as_json(self) -> dict[str, Any]:
        return {
            "users": self.users,
            "release": self.release,
            "stall_after_s": self.stall_after,
            "think_s": self.think,
            "arrive_over_s": self.arrive_over,
            "wall_s": self.wall_seconds,
            "load_before": self.load_before,
            "load_after": self.load_after,
            "stalled_users": self.stalled_users,
            "pages": self.rows(),
            "error_messages": sorted({e for s in self.steps for e in s.errors}),
        }

    def table(self) -> str:
        def secs(v: float | None) -> str:
            return "-" if v is None else f"{v:.2f}"

        lines = [
            f"pathways bench --users {self.users}: {self.release}",
            f"server time per click (s); stall = no answer within {self.stall_after:g} s; "
            f"think time {self.think:g} s; arriving within {self.arrive_over:g} s; "
            f"run took {self.wall_seconds:.0f} s",
            f"load average before: {self.load_before}; after: {self.load_after}",
            "",
            f"{'step':<12}{'answered':>9}{'median':>9}{'p95':>9}{'max':>9}"
            f"{'stalls':>8}{'errors':>8}{'not reached':>13}",
        ]
        for r in self.rows():
            lines.append(
                f"{r['step']:<12}{r['answered']:>9}{secs(r['median_s']):>9}{secs(r['p95_s']):>9}"
                f"{secs(r['max_s']):>9}{r['stalls']:>8}{r['errors']:>8}{r['not_reached']:>13}"
            )
        every = sorted(s.seconds for s in self.steps if s.seconds is not None)
        if every:
            lines.append(
                f"{'every page':<12}{len(every):>9}{statistics.median(every):>9.2f}"
                f"{_percentile(every, 0.95):>9.2f}{every[-1]:>9.2f}"
                f"{sum(s.stalled for s in self.steps):>8}"
                f"{sum(bool(s.errors) for s in self.steps):>8}"
            )
        stalled = self.stalled_users
        lines.append(
            f"\n{len(stalled)} of {self.users} people stalled"
            + (f" (people {', '.join(map(str, stalled))})" if stalled else "")
        )
        messages = self.as_json()["error_messages"]
        if messages:
            lines.append("errors shown: " + "; ".join(messages[:5]))
        return "\n".join(lines)


def _percentile(ordered: list[float], q: float) -> float:
    """The nearest-rank percentile of an ordered list."""
    rank = max(1, -(-len(ordered) * q // 1))  # ceil(n * q), at least 1
    return ordered[int(rank) - 1]


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard(release: Path, audit_db: Path, *, ready_within: float = 90) -> Iterator[int]:
    """The dashboard served on a free loopback port in demo mode; stopped on leaving."""
    from app.audit import AuditLog
    from app.serve import streamlit_command

    env = dict(os.environ)
    env.setdefault("PATHWAYS_AUDIT_KEY", secrets.token_hex(32))
    os.environ.setdefault("PATHWAYS_AUDIT_KEY", env["PATHWAYS_AUDIT_KEY"])
    if not audit_db.exists():
        AuditLog.create(audit_db, key=env["PATHWAYS_AUDIT_KEY"].encode())
    port = _free_port()
    cmd, environment = streamlit_command(
        release, port, address="127.0.0.1", audit_log=audit_db, demo=True, env=env
    )
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(cmd, env=environment, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(server, port, log, ready_within)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(server: subprocess.Popen, port: int, log: Any, within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                tail = log.read().decode(errors="replace")[-2000:]
                raise PathwaysError(f"The dashboard did not start for the bench: {tail}") from None
            time.sleep(0.2)


class _Tab:
    """One simulated browser tab on Streamlit's WebSocket protocol."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.elements: list[Any] = []

    async def click(
        self, stall_after: float, *, page: str = "", widgets: list[Any] | None = None
    ) -> tuple[float | None, list[str]]:
        """Send a rerun (a click); seconds until the script finished, or None on a stall."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.page_name = page
        msg.rerun_script.query_string = ""
        for w in widgets or []:
            msg.rerun_script.widget_states.widgets.append(w)
        started = time.perf_counter()
        try:
            await self.ws.send(msg.SerializeToString())
        except ConnectionClosed as e:
            return None, [f"the connection closed ({e})"]
        self.elements = []
        errors: list[str] = []
        deadline = started + stall_after
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None, errors
            try:
                data = await asyncio.wait_for(self.ws.recv(), remaining)
            except TimeoutError:
                return None, errors
            except ConnectionClosed as e:  # the server went away: no answer will come
                return None, [*errors, f"the connection closed ({e})"]
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":  # a run starts (again, after st.rerun): a fresh page
                self.elements = []
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                self.elements.append(element)
                which = element.WhichOneof("type")
                if which == "exception":
                    errors.append(f"{element.exception.type}: {element.exception.message}"[:200])
                elif which == "alert" and element.alert.format == 1:  # an st.error box
                    errors.append(element.alert.body[:200])
            elif kind == "script_finished" and fwd.script_finished in (
                ForwardMsg.FINISHED_SUCCESSFULLY,
                ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
            ):
                return time.perf_counter() - started, errors

    def title(self) -> str:
        for element in self.elements:
            if element.WhichOneof("type") == "heading":
                return element.heading.body
        return ""

    def widget(self, kind: str) -> Any:
        for element in self.elements:
            if element.WhichOneof("type") == kind:
                return getattr(element, kind)
        raise PathwaysError(f"The page the bench reached has no {kind} on it.")

    def submit_button(self) -> Any:
        for element in self.elements:
            if element.WhichOneof("type") == "button" and element.button.is_form_submitter:
                return element.button
        raise PathwaysError("The page the bench reached has no form to submit.")


async def _warm_up(port: int, stall_after: float) -> None:
    """One visit before the crowd, not counted: a server that has just started imports its
    modules on its first visit, once; a host that has been up a while has done so long ago."""
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    async with connect(url, subprotocols=["streamlit"], max_size=None) as ws:  # type: ignore[list-item]
        if (await _Tab(ws).click(stall_after * 4))[0] is None:
            raise PathwaysError("The dashboard did not answer its first visit; see its log.")


async def _person(
    user: int,
    port: int,
    start: asyncio.Event,
    stall_after: float,
    think: float,
    deadline: float,
    steps: list[Step],
    before_step: BeforeStep | None,
    rounds: int = 1,
    arrive_over: float = 0.0,
) -> list[str]:
    """One person: sign in, state a purpose, open every page. Returns the steps not reached."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    from websockets.asyncio.client import connect

    from app.auth import DEMO_ACCOUNTS
    from app.pages import PAGES_BY_ROLE

    account = DEMO_ACCOUNTS[user % len(DEMO_ACCOUNTS)]
    plan = [SIGN_IN, PURPOSE, *PAGES_BY_ROLE[account.role.kind] * rounds]
    rng = random.Random(user)
    await start.wait()
    await asyncio.sleep(rng.uniform(0, arrive_over))
    async with connect(
        f"ws://127.0.0.1:{port}/_stcore/stream",
        subprotocols=["streamlit"],  # type: ignore[list-item]
        max_size=None,
        open_timeout=stall_after,
        ping_interval=None,
    ) as ws:
        tab = _Tab(ws)
        seconds, errors = await tab.click(stall_after)  # the tab opens on the sign-in screen
        steps.append(Step(user, account.account_id, OPEN, seconds, errors, tab.title()))
        if seconds is None:
            return plan
        for i, step in enumerate(plan):
            if time.monotonic() > deadline:
                return plan[i:]
            if before_step is not None:
                before_step(user, step)
            if step == SIGN_IN:
                radio = tab.widget("radio")
                label = next(o for o in radio.options if o.startswith(f"{account.name} "))
                chosen = WidgetState(id=radio.id, string_value=label)
                widgets = [chosen, WidgetState(id=tab.submit_button().id, trigger_value=True)]
                seconds, errors = await tab.click(stall_after, widgets=widgets)
            elif step == PURPOSE:
                note = WidgetState(id=tab.widget("text_input").id, string_value=PURPOSE_NOTE)
                widgets = [note, WidgetState(id=tab.submit_button().id, trigger_value=True)]
                seconds, errors = await tab.click(stall_after, widgets=widgets)
            else:
                seconds, errors = await tab.click(stall_after, page=step)
            steps.append(Step(user, account.account_id, step, seconds, errors, tab.title()))
            if seconds is None:
                return plan[i + 1 :]
            if think:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
    return []


async def _crowd(
    users: int,
    port: int,
    stall_after: float,
    think: float,
    time_limit: float,
    before_step: BeforeStep | None,
    rounds: int = 1,
    arrive_over: float = 0.0,
) -> tuple[list[Step], dict[str, int]]:
    steps: list[Step] = []
    await _warm_up(port, stall_after)
    start = asyncio.Event()
    deadline = time.monotonic() + time_limit
    tasks = [
        asyncio.create_task(
            _person(
                u,
                port,
                start,
                stall_after,
                think,
                deadline,
                steps,
                before_step,
                rounds,
                arrive_over,
            )  # fmt: skip
        )
        for u in range(users)
    ]
    start.set()  # everyone at once (or within arrive_over), as at the start of a meeting
    # the last bound: a person still waiting at the time limit is cut off
    done, pending = await asyncio.wait(tasks, timeout=time_limit + stall_after)
    for task in pending:
        task.cancel()
    unreached: dict[str, int] = {}
    for task in tasks:
        missed = task.result() if task in done and task.exception() is None else []
        if task in done and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
        for step in missed:
            unreached[step] = unreached.get(step, 0) + 1
    return steps, unreached


def run_users_bench(
    release: Path,
    users: int,
    *,
    stall_after: float = 30.0,
    think: float = 0.0,
    time_limit: float = 600.0,
    audit_db: Path | None = None,
    before_step: BeforeStep | None = None,
    rounds: int = 1,
    arrive_over: float = 0.0,
) -> UsersReport:
    """N simulated people on the dashboard at once; see the module's docstring.

    Args:
        release: the release to serve (it must be synthetic: demo accounts are used).
        users: how many people, 1 to ``MAX_USERS``.
        stall_after: seconds without an answer that make a click a stall.
        think: mean seconds a person spends on a page before the next click (0: none).
        time_limit: seconds after which nobody starts another click.
        audit_db: the audit log to write to (default: a fresh one in a scratch folder).
        before_step: called with (person, step) before each click.
        rounds: how many times each person goes through every page.
        arrive_over: people arrive at random moments within this many seconds (0: all at once).
    """
    if not 1 <= users <= MAX_USERS:
        raise PathwaysError(f"--users takes 1 to {MAX_USERS} people, not {users}.")
    release = Path(release).absolute()
    with tempfile.TemporaryDirectory(prefix="pathways-users-") as scratch:
        log = audit_db or Path(scratch) / "audit.sqlite"
        load_before = _load()
        with dashboard(release, log) as port:
            started = time.perf_counter()
            crowd = _crowd(
                users, port, stall_after, think, time_limit, before_step, rounds, arrive_over
            )
            # its own thread and event loop, so a caller that already runs one (a test session
            # driving a browser, a notebook) can still run the bench
            with ThreadPoolExecutor(max_workers=1) as runner:
                steps, unreached = runner.submit(asyncio.run, crowd).result()
            wall = time.perf_counter() - started
        return UsersReport(
            users=users,
            release=str(release),
            stall_after=stall_after,
            think=think,
            arrive_over=arrive_over,
            wall_seconds=wall,
            load_before=load_before,
            load_after=_load(),
            steps=steps,
            unreached=unreached,
        )


def bench_users(
    users: int,
    release: Path | None,
    *,
    think: float = 0.0,
    stall_after: float = 30.0,
    arrive_over: float = 0.0,
    out: Path | None = None,
) -> str:
    """``pathways bench --users N --release DIR``: the table, and the JSON in ``out`` if given."""
    from app.data import load_release

    if release is None:
        raise PathwaysError(
            "bench --users needs --release DIR: a synthetic release (`pathways demo` or "
            "`pathways run` on `pathways generate` output makes one)."
        )
    if think < 0 or arrive_over < 0 or stall_after <= 0:
        raise PathwaysError(
            "--think and --arrive-over must be 0 or more seconds, and --stall-after more than 0."
        )
    if not load_release(release).manifest.synthetic:
        raise PathwaysError(
            f"{release} is not a synthetic release; the bench signs in with demo accounts, "
            "which may only ever see synthetic data."
        )
    report = run_users_bench(
        release, users, think=think, stall_after=stall_after, arrive_over=arrive_over
    )
    if out is not None:
        Path(out).write_text(json.dumps(report.as_json(), indent=2) + "\n")
    return report.table()
