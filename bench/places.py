"""Place accuracy: does a ticket's saved place (属地) name the most specific place the
request names?

Usage::

    python bench/places.py [--scale small|full] [--history 300] [--baseline COMMIT]

Builds the demo (``hotline demo --scale … --history …``) in a fresh temporary SQLite
database, then asks two gazetteers, in the same run and on the same database, for the
place the intake would save (the first place found that has a unit,
``tickets.actions.intake._place_from``):

* **before**: the gazetteer of ``--baseline`` (default: the commit before the place
  work, ``4704e9d``), its source read with ``git show`` and loaded as a module;
* **after**: ``hotline.triage.gazetteer`` as it is.

on two sets:

1. **demo history**: every ticket of the demo (title, text, address);
2. **written requests**: requests written here that name villages, townships and
   landmarks (卫生院, 派出所, 中心学校, 村卫生室 …) the way citizens do, filled with
   places of the demo prefecture.

The truth comes from the demo's geography itself (``demo.geography``), not from a
gazetteer: the deepest of (village, township, county) named whose parents agree with
the other names (a township name such as 城关街道 repeats across counties: only with its
county; a village name repeats, even within a county: only with its township, or alone
when unique in the prefecture). A
ticket is right when its saved place is that place's own unit (its government or
committee): a 卫生院 saved as the place is wrong. Requests that name no place are
left out of the share (and counted).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
BASELINE = "4704e9d"

# Requests as citizens write them: {v} a village, {t} its township, {c} its county,
# {tt} the township without 镇/乡/街道, {vv} the village without 村; and the truth.
WRITTEN: list[tuple[str, str]] = [
    ("我是{t}{v}的村民,村里的路灯坏了一个多月,晚上出门很不安全", "v"),
    ("{v}到{t}的路被大车压坏了,坑坑洼洼,请修一下", "v"),
    ("我在{t}卫生院看病,医生态度很差,我家住{v}", "v"),
    ("{t}卫生院门口乱停车,救护车都进不去", "t"),
    ("{tt}派出所办身份证要排很久,能不能增加窗口", "t"),
    ("{c}{t}中心学校的营养餐质量很差,孩子吃不饱", "t"),
    ("{v}卫生室的医生经常不在,老人看病要跑到{t}", "v"),
    ("{c}{t}{v}3组有人往河里倒垃圾", "v"),
    ("{t}{vv}村有户人家养猪,臭味很大,影响邻居", "v"),
    ("{t}供电所说{v}要停电三天,没有提前通知", "v"),
    ("在{c}{t}菜市场买到缺斤少两的肉", "t"),
    ("{c}城区噪音扰民,晚上广场舞放得很大声", "c"),
    ("{t}政府门口的路面塌陷了,很危险", "t"),
    ("家住{v},想问{t}的低保怎么申请", "v"),
    ("{t}市场监管所对{v}小卖部卖过期食品不处理", "v"),
    ("我们{vv}村的自来水已经停了三天", "v"),
]


def _old_gazetteer(commit: str) -> ModuleType:
    """The baseline's gazetteer module, loaded from git under another name."""
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{commit}:hotline/triage/gazetteer.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    spec = importlib.util.spec_from_loader("bench_old_gazetteer", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    exec(compile(source, f"{commit}:hotline/triage/gazetteer.py", "exec"), module.__dict__)  # noqa: S102
    return module


def _saved(found: list[dict[str, Any]]) -> int | None:
    """The place the intake saves: the first one found with a unit."""
    return next((int(p["unit_id"]) for p in found if p.get("unit_id")), None)


class Truth:
    """The demo world's places and the unit of each (from the unit codes)."""

    def __init__(self) -> None:
        from hotline.demo.geography import build_counties
        from hotline.org.models import Unit

        codes = dict(Unit.objects.values_list("code", "pk"))
        scale = "full" if Unit.objects.count() > 5000 else "small"
        self.counties = build_counties(12, None, None) if scale == "full" else build_counties(3, 5, 3)
        self.unit: dict[tuple[int, ...], int] = {}
        self.villages: list[tuple[Any, Any, Any]] = []
        names: dict[str, int] = {}
        towns: dict[str, int] = {}
        for c in self.counties:
            self.unit[(c.index,)] = codes[c.code]
            for t in c.townships:
                towns[t.name] = towns.get(t.name, 0) + 1
                self.unit[(c.index, t.index)] = codes[f"{c.code}-{t.index:02d}"]
                for v in t.villages:
                    self.unit[(c.index, t.index, v.index)] = codes[f"{c.code}-{t.index:02d}-{v.index:02d}"]
                    self.villages.append((c, t, v))
                    names[v.name] = names.get(v.name, 0) + 1
        self.unique_village = {n for n, k in names.items() if k == 1}
        self.unique_town = {n for n, k in towns.items() if k == 1}

    def of(self, text: str) -> int | None:
        """The unit of the most specific place ``text`` names, by the demo's geography: a
        township whose name repeats (城关街道) only with its county named, a village whose
        name repeats only with its township; a name inside a longer one found (沟村 in
        竹沟村) is not named."""
        found: list[tuple[int, str, tuple[int, ...]]] = []
        for c in self.counties:
            c_named = c.name in text or c.short in text
            if c_named:
                found.append((1, c.name, (c.index,)))
            for t in c.townships:
                t_named = t.name in text and (c_named or t.name in self.unique_town)
                if t_named:
                    found.append((2, t.name, (c.index, t.index)))
                for v in t.villages:
                    if v.name in text and (t_named or v.name in self.unique_village):
                        found.append((3, v.name, (c.index, t.index, v.index)))
        names = {name for _, name, _ in found}
        found = [f for f in found if not any(f[1] != n and f[1] in n for n in names)]
        if not found:
            return None
        return self.unit[max(found, key=lambda f: f[0])[2]]


def _written(truth: Truth, n: int) -> list[tuple[str, int]]:
    rng = random.Random(14)
    out = []
    for i in range(n):
        template, level = WRITTEN[i % len(WRITTEN)]
        c, t, v = rng.choice(truth.villages)
        tt = t.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        text = template.format(v=v.name, t=t.name, c=c.name, tt=tt, vv=v.name.removesuffix("村"))
        key = {"v": (c.index, t.index, v.index), "t": (c.index, t.index), "c": (c.index,)}[level]
        alone = "{t}" not in template and "{c}" not in template
        if level == "v" and alone and v.name not in truth.unique_village:
            continue  # a namesake named alone: no reader could tell which one
        if "{c}" not in template and t.name not in truth.unique_town and level != "v":
            continue  # 城关街道 of which county? Nobody can tell either
        out.append((text, truth.unit[key]))
    return out


def _share(rows: list[tuple[dict[str, str], int]], find: Any) -> tuple[float, float]:
    """The share right and the milliseconds per request."""
    right = 0
    started = time.perf_counter()
    for fields, want in rows:
        right += _saved(find(fields)) == want
    ms = 1000 * (time.perf_counter() - started) / max(1, len(rows))
    return right / max(1, len(rows)), ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=("small", "full"), default="small")
    parser.add_argument("--history", type=int, default=300)
    parser.add_argument("--written", type=int, default=320)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench_places_"))
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{scratch / 'db.sqlite3'}"
    os.environ["HOTLINE_DATA_DIR"] = str(scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"building the demo ({args.scale}, {args.history} tickets) …", flush=True)
    call_command("demo", "--scale", args.scale, "--history", str(args.history), stdout=StringIO())

    from hotline.tickets.models import Ticket
    from hotline.triage.gazetteer import _load as load_new

    old_module = _old_gazetteer(args.baseline)
    old, new = old_module._load(), load_new()
    truth = Truth()
    history, unnamed = [], 0
    for title, text, address in Ticket.objects.values_list("title", "text", "address"):
        want = truth.of(f"{title} {text} {address}")
        if want is None:
            unnamed += 1
            continue
        history.append(({"title": title, "text": text, "address": address}, want))
    written = [
        ({"title": "", "text": text, "address": ""}, want) for text, want in _written(truth, args.written)
    ]
    print(f"gazetteer entries: before {len(old)}, after {len(new)} (aliases)")
    print(f"{'set':<22}{'requests':>9}{'before':>9}{'after':>9}{'ratio':>8}{'ms before':>11}{'ms after':>10}")
    for name, rows in (("demo history", history), ("written requests", written)):
        b, b_ms = _share(rows, old.find)
        a, a_ms = _share(rows, new.find)
        ratio = f"{a / b:.2f}" if b else "—"
        print(f"{name:<22}{len(rows):>9}{b:>9.1%}{a:>9.1%}{ratio:>8}{b_ms:>11.3f}{a_ms:>10.3f}")
    print(f"(demo tickets naming no place, left out: {unnamed})")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
