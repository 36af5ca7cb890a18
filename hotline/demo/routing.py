"""Which demo units handle a request: the routes of ``requests.Request`` resolved
against the org tree for the request's place (see the module doc of ``requests``)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from hotline.demo.geography import PREFECTURE_CODE
from hotline.demo.requests import Request

if TYPE_CHECKING:
    from hotline.demo.life import Place


class Router:
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names  # unit code → name, every unit of the demo

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def resolve(self, route: str, place: Place) -> list[str]:
        """The dispatch target and the sub-dispatch hops below it; [] if unusable here."""
        county = place.county.code
        town = f"{county}-{place.town.index:02d}"
        hops = route.split("/")
        head = hops[0]
        if head == "C":
            first = county
        elif head == "T":
            first = town
        elif head.startswith("Q:"):
            first = f"{PREFECTURE_CODE}-{head[2:]}"
        else:
            first = f"{county}-{head}"
            if first not in self.names:
                # The county has no such bureau at this scale: the prefecture's handles it.
                first = f"{PREFECTURE_CODE}-{head}"
                hops = hops[:1]
        if first not in self.names:
            return []
        chain = [first]
        for hop in hops[1:]:
            prev = chain[-1]
            if hop == "@":
                code = f"{prev}-{place.town.index:02d}"
            elif hop == "T":
                code = town
            elif hop == "V":
                code = f"{prev}-{place.village.index:02d}"
            elif hop == "G":
                code = f"{prev}-G1"
            else:
                code = f"{prev}-{hop}"
            if code not in self.names:
                break
            chain.append(code)
        return chain

    def chain(self, request: Request, place: Place, rng: random.Random) -> list[str]:
        """Mostly the first route that works; sometimes another; sometimes fewer hops."""
        routes = list(request.routes)
        if len(routes) > 1 and rng.random() < 0.3:
            rng.shuffle(routes)
        for route in routes:
            chain = self.resolve(route, place)
            if chain:
                if len(chain) > 1 and rng.random() < 0.25:
                    chain = chain[: rng.randint(1, len(chain) - 1)]
                return chain
        return [place.county.code]

    def assist(self, request: Request, place: Place, chain: list[str], rng: random.Random) -> str:
        """An assisting unit (协办) for some requests, or ''."""
        if not request.assist or rng.random() > 0.5:
            return ""
        for abbr in request.assist:
            code = f"{place.county.code}-{abbr}"
            if code in self.names and code not in chain:
                return code
        return ""

    def wrong(self, right: str, place: Place, rng: random.Random) -> str:
        """A plausible wrong first dispatch: the same kind of unit next door, or the
        county's neighbouring bureau."""
        county = place.county.code
        candidates = []
        if right.startswith(county):
            for other in (place.county.index - 1, place.county.index + 1):
                code = f"{PREFECTURE_CODE}{other:02d}" + right[len(county) :]
                if code in self.names:
                    candidates.append(code)
        if not candidates:
            bureaus = sorted(
                c for c in self.names if c.startswith(f"{county}-") and c.count("-") == 1 and c[-1].isalpha()
            )
            candidates = [c for c in bureaus[:12] if c != right]
        return rng.choice(candidates) if candidates else county if right != county else f"{county}-ZJJ"
