#!/usr/bin/env python3
"""Reference verdicts from the OASIS STIX pattern matcher (stix2-matcher 3.0.0).

Reads test cases as JSON lines on stdin, one per line:

    {"id": 7, "pattern": "[file:name = 'a']", "objects": [ ...STIX objects... ]}

and writes one JSON line per case to stdout, in the same order:

    {"id": 7, "match": true}
    {"id": 7, "error": "MatcherException: ..."}

The objects (observed-data and the SCOs they reference) are wrapped in one
bundle and matched with stix_version="2.1", the way the matcher expects STIX
2.1 input. Any exception, including parse errors, becomes an "error" line.
"""

import json
import sys

from stix2matcher.matcher import match


def verdict(case):
    bundle = {
        "type": "bundle",
        "id": "bundle--00000000-0000-4000-8000-000000000000",
        "objects": case["objects"],
    }
    try:
        matched = match(case["pattern"], [bundle], stix_version="2.1")
        return {"id": case["id"], "match": bool(matched)}
    except Exception as error:  # every failure is a verdict of its own
        return {"id": case["id"], "error": "%s: %s" % (type(error).__name__, error)}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(verdict(json.loads(line))) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
