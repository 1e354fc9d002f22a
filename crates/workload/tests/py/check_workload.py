#!/usr/bin/env python3
"""Checks a written workload directory with the OASIS reference tools.

Usage: check_workload.py DIR

1. stix2-validator accepts indicators.json and observed.json (STIX 2.1).
2. python-stix2 recomputes every SCO's deterministic id from its properties and gets the
   id written in observed.json.
3. stix2-matcher evaluates every indicator pattern against observed.json; the events it
   matches must be exactly those expected.json lists (for the events in observed.json).

Prints one JSON line with the counts and at most 20 problems; exits 1 if there is any.
"""
import json
import pathlib
import sys

import stix2
from stix2matcher.matcher import MatchListener, Pattern
from stix2validator import ValidationOptions, validate_file


def main(directory):
    d = pathlib.Path(directory)
    problems = []

    options = ValidationOptions(version="2.1")
    for name in ("indicators.json", "observed.json"):
        result = validate_file(str(d / name), options)
        if not result.is_valid:
            for obj in result.object_results:
                for err in obj.errors:
                    problems.append(f"validator {name} {obj.object_id}: {err}")

    indicators = json.loads((d / "indicators.json").read_text())["objects"]
    observed = json.loads((d / "observed.json").read_text())
    expected = json.loads((d / "expected.json").read_text())

    scos = 0
    for obj in observed["objects"]:
        if obj["type"] == "observed-data":
            continue
        scos += 1
        props = {k: v for k, v in obj.items() if k != "id"}
        again = stix2.parse(props, allow_custom=False, version="2.1")
        if again.id != obj["id"]:
            problems.append(f"SCO id {obj['id']} but python-stix2 computes {again.id}")

    limit = expected["params"]["observed_events"]
    want = {
        int(event): set(ids)
        for event, ids in expected["matches"].items()
        if int(event) < limit
    }
    got = {}
    for indicator in indicators:
        pattern = Pattern(indicator["pattern"], "2.1")
        listener = MatchListener([observed], stix_version="2.1")
        pattern.walk(listener)
        for binding in listener.matched():
            for index in binding:
                if index is not None:
                    got.setdefault(index, set()).add(indicator["id"])

    for event in sorted(set(want) | set(got)):
        if want.get(event, set()) != got.get(event, set()):
            problems.append(
                f"event {event}: expected {sorted(want.get(event, ()))}, "
                f"stix2-matcher {sorted(got.get(event, ()))}"
            )

    print(json.dumps({
        "indicators": len(indicators),
        "observed_events": limit,
        "scos": scos,
        "hit_events": len(want),
        "matcher_hit_events": len(got),
        "problems": problems[:20],
        "problem_count": len(problems),
    }))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
