"""The pages bench/national.py times, and how: signed-in test clients, interleaved rounds, the
statements each request sends, and one gunicorn worker's memory after serving them all."""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import sqlalchemy as sa

from bench.national_build import PASSWORD, PROVINCE, USERS, WARD

FLOORS = ("healthz", "signed-in floor")  # timed on every run: the ratios below are read on them
SLOW = 20.0  # seconds: a page this slow on its first request is timed once more, not in rounds
WARD_USER, PROVINCE_USER = (next(u for u, (_r, code) in USERS.items() if code == c)
                            for c in (WARD, PROVINCE))
PROVINCE_QUERY = "Hùng"  # a given name: a few hundred of the big province's persons

# name → (user, method, url template, form); the templates take the dataset's facts.
PAGES = {
    "healthz": (None, "GET", "/healthz", None),
    # The floor of any signed-in page: the session, the user and their scope, the layout
    # with its bell, and a list of the user's notifications (empty here).
    "signed-in floor": (WARD_USER, "GET", "/notifications", None),
    "person page": (WARD_USER, "GET", "/persons/{person}", None),
    "ward list": (WARD_USER, "GET", "/persons/", None),
    "ward search": (WARD_USER, "POST", "/persons/search", {"q": "{name}"}),
    "my-work": (WARD_USER, "GET", "/my-work", None),
    "province search": (PROVINCE_USER, "POST", "/persons/search", {"q": PROVINCE_QUERY}),
    "province dashboard": (PROVINCE_USER, "GET", "/dashboard", None),
    "criteria API": (PROVINCE_USER, "GET", f"/api/v1/areas/{PROVINCE}/criteria", None),
    "area page": (PROVINCE_USER, "GET", f"/areas/{PROVINCE}", None),
    "plan page": (PROVINCE_USER, "GET", "/plans/{plan}", None),
    "six-month xlsx": (PROVINCE_USER, "GET",
                       f"/api/v1/reports/six_month?org_unit={PROVINCE}&period={{year}}-H1", None),
    "province-review xlsx": (PROVINCE_USER, "GET", f"/api/v1/reports/province_review?"
                             f"org_unit={PROVINCE}&period={{year}}", None),
    "QĐ 28 classify": (None, "CALL", "classify_province", None),
}


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the login page")
    return match.group(1)


@dataclass
class Dataset:
    """One dataset's app, signed-in clients, facts for the URLs and statement counter."""

    label: str
    app: object
    facts: dict
    clients: dict = field(default_factory=dict)
    csrf: dict = field(default_factory=dict)
    statements: int = 0

    def __post_init__(self):
        from casework.extensions import db

        with self.app.app_context():
            engine = db.engine
            sa.event.listen(engine, "before_cursor_execute", self._count)
            ward = db.session.scalar(sa.text("SELECT path FROM org_units WHERE code = :c"),
                                     {"c": WARD})
            person = db.session.execute(sa.text(
                "SELECT p.id, p.full_name FROM persons p JOIN org_units u "
                "ON u.id = p.org_unit_id WHERE u.path LIKE :p ORDER BY p.id LIMIT 1"),
                {"p": ward + "%"}).one()
            self.facts.update(person=person.id, name=person.full_name)
            db.session.remove()
        for username in (WARD_USER, PROVINCE_USER):
            client = self.app.test_client()
            self.csrf[username] = _csrf(client.get("/login").get_data(as_text=True))
            answer = client.post("/login", data={"csrf_token": self.csrf[username],
                                                 "username": username, "password": PASSWORD})
            if answer.status_code != 302:
                raise RuntimeError(f"{self.label}: {username} could not sign in")
            self.clients[username] = client
        self.clients[None] = self.app.test_client()

    def _count(self, *_args):
        self.statements += 1

    def request(self, name: str) -> tuple[float, int, int]:
        """One request of page ``name``: (seconds, status, statements)."""
        user, method, url, form = PAGES[name]
        before = self.statements
        began = time.perf_counter()
        if method == "CALL":
            status = self._classify()
        else:
            client = self.clients[user]
            url = url.format(**self.facts)
            if method == "GET":
                answer = client.get(url)
            else:
                data = {k: v.format(**self.facts) for k, v in form.items()}
                answer = client.post(url, data={**data, "csrf_token": self.csrf[user]})
            answer.get_data()
            status = answer.status_code
        return time.perf_counter() - began, status, self.statements - before

    def _classify(self) -> int:
        from casework.areas import qd28
        from casework.extensions import db
        from casework.orgunits.models import OrgUnit

        with self.app.app_context():
            unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == PROVINCE))
            qd28.classify_province(unit, self.facts["year"])
            db.session.remove()
        return 200


@dataclass
class PageResult:
    seconds: dict = field(default_factory=lambda: defaultdict(list))
    status: dict = field(default_factory=dict)
    statements: dict = field(default_factory=dict)

    def p50(self, label: str) -> float:
        return statistics.median(self.seconds[label])


def measure(apps: dict, summaries: dict, rounds: int, only: set | None) -> dict:
    """Every page on every dataset (small, large, and country if built): a first request
    (status, statements), then ``rounds`` rounds, the datasets' order and the pages' order
    rotating from round to round. A page slower than ``SLOW`` seconds on its first request
    keeps that request as a sample and is timed once more instead."""
    sets = {label: Dataset(label, app, {"plan": summaries[label]["plan"],
                                         "year": summaries[label]["year"]})
            for label, app in apps.items()}
    names = [n for n in PAGES if only is None or n in only or n in FLOORS]
    results = {n: PageResult() for n in names}
    slow = set()
    labels = list(sets)
    for name in names:
        for label in labels:
            seconds, status, statements = sets[label].request(name)
            r = results[name]
            r.status[label], r.statements[label] = status, statements
            if seconds > SLOW:
                slow.add(name)
                r.seconds[label].append(seconds)
            print(f"first {name} ({label}): {seconds * 1000:.0f} ms, status {status}, "
                  f"{statements} statements", flush=True)
    for r_no in range(rounds):
        k = r_no % len(names)
        for name in names[k:] + names[:k]:
            if name in slow and r_no > 0:
                continue
            turn = (r_no + names.index(name)) % len(labels)
            for label in labels[turn:] + labels[:turn]:
                results[name].seconds[label].append(sets[label].request(name)[0])
            r = results[name]
            print(f"round {r_no + 1} {name}: " + ", ".join(
                f"{label} {r.seconds[label][-1] * 1000:.0f} ms" for label in labels), flush=True)
    return results


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker_rss(url: str, summary: dict, tmp: str) -> str:
    """One gunicorn worker (``wsgi:app``) against ``url``, every page once over HTTP; its RSS
    after. A message instead when gunicorn is not installed."""
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    if not Path(gunicorn).exists():
        return "gunicorn worker RSS: skipped (gunicorn is not installed: pip install gunicorn)"
    port = _free_port()
    env = {**os.environ, "CASEWORK_DATABASE_URL": url, "CASEWORK_SECRET_KEY": "bench",
           "CASEWORK_LOGIN_RATE_LIMIT": "10000 per minute", "CASEWORK_INSTANCE_PATH": tmp}
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([gunicorn, "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout",
                             "900", "wsgi:app"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        worker = int(children[0])
        at_start = _rss_kb(worker)
        openers = {}
        facts = {"plan": summary["plan"], "year": summary["year"]}
        for username in (WARD_USER, PROVINCE_USER):
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            token = _csrf(opener.open(base + "/login").read().decode())
            opener.open(base + "/login", urllib.parse.urlencode(
                {"csrf_token": token, "username": username, "password": PASSWORD}).encode())
            openers[username] = (opener, token)
        person = opener_get(openers[WARD_USER][0], base, "/persons/")
        found = re.search(r'href="/persons/(\d+)"', person)
        facts["person"] = found.group(1) if found else "1"
        facts["name"] = "x"
        statuses = []
        for name, (user, method, path, form) in PAGES.items():
            if method == "CALL":
                continue
            opener, token = openers[user] if user else (urllib.request.build_opener(), None)
            data = None
            if form:
                data = urllib.parse.urlencode({**{k: v.format(**facts) for k, v in form.items()},
                                               "csrf_token": token}).encode()
            try:
                with opener.open(base + path.format(**facts), data, timeout=900) as answer:
                    answer.read()
                    statuses.append(f"{name} {answer.status}")
            except urllib.error.HTTPError as exc:
                statuses.append(f"{name} {exc.code}")
        after = _rss_kb(worker)
        return (f"gunicorn worker RSS (large): {at_start / 1024:.0f} MB at start, "
                f"{after / 1024:.0f} MB after serving every page ({', '.join(statuses)})")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def opener_get(opener, base: str, path: str) -> str:
    with opener.open(base + path, timeout=900) as answer:
        return answer.read().decode()


def report(results: dict, rss: str | None) -> None:
    """One line per page (with the country dataset's p50 and ratio if it was measured), the
    person page over /healthz, the worker's RSS, the worst country ratio, and last the worst
    ratio."""
    print()
    worst, worst_country = (0.0, ""), (0.0, "")
    for name, r in results.items():
        small, large = r.p50("small"), r.p50("large")
        ratio = large / small
        errors = [f"{label} answered {code}" for label, code in r.status.items()
                  if code >= 400]
        note = f"  [{'; '.join(errors)}]" if errors else ""
        country = ""
        if r.seconds.get("country"):
            country_ratio = r.p50("country") / small
            country = (f"; country p50 {r.p50('country') * 1000:.1f} ms, ratio "
                       f"{country_ratio:.2f}")
            if name not in FLOORS and country_ratio > worst_country[0]:
                worst_country = (country_ratio, name)
        print(f"{name}: small p50 {small * 1000:.1f} ms, large p50 {large * 1000:.1f} ms, "
              f"ratio {ratio:.2f}  (statements {r.statements['small']} / "
              f"{r.statements['large']}, n={len(r.seconds['large'])}){country}{note}")
        if name not in FLOORS and ratio > worst[0]:
            worst = (ratio, name)
    if "person page" in results and "healthz" in results:
        person, health = results["person page"].p50("large"), results["healthz"].p50("large")
        floor = results["signed-in floor"].p50("large")
        print(f"person page ÷ /healthz (large): {person / health:.1f}; signed-in floor ÷ "
              f"/healthz: {floor / health:.1f}; person page ÷ signed-in floor: "
              f"{person / floor:.1f}")
    if rss:
        print(rss)
    if worst_country[1]:
        print(f"national: worst country ratio {worst_country[0]:.2f} ({worst_country[1]}): the "
              f"province as in the small dataset, the country as in the large one")
    print(f"national: worst ratio {worst[0]:.2f} ({worst[1]})")
