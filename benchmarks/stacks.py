"""Where a bot server's time went, from what `benchmarks.run --py-spy DIR` sampled.

`python -m benchmarks.stacks DIR/c-pg-bot-bot-1.txt [...] [--top 25] [--by store]`

py-spy writes collapsed stacks (one line: `frame;frame;... count`). This prints, for each
file, the share of samples spent in each function and below it (inclusive), and `--by
store` the share per Store method and per outbox/request entry point, which is what the
PostgreSQL rows are usually about.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

STORE = re.compile(r"^(PostgresStore|TinyDBStore|MemoryStore)\.(\w+) ")
ENTRY = (
    ("request (ack path)", "count_requests"),
    ("outbox", "Outbox."),
    ("inbox", "Inbox."),
)


def read(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        stacks.append((stack.split(";"), int(count)))
    return stacks


def inclusive(stacks: list[tuple[list[str], int]]) -> Counter[str]:
    found: Counter[str] = Counter()
    for frames, n in stacks:
        for name in {f.split(" (")[0] for f in frames}:
            found[name] += n
    return found


def by_store(stacks: list[tuple[list[str], int]]) -> Counter[str]:
    """Samples per (entry point, outermost Store method)."""
    found: Counter[str] = Counter()
    for frames, n in stacks:
        entry = next((label for label, mark in ENTRY if any(mark in f for f in frames)), "other")
        method = next((m.group(2) for f in frames if (m := STORE.match(f))), None)
        found[f"{entry}: {'store.' + method if method else 'not in the store'}"] += n
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--by", choices=("function", "store"), default="function")
    args = parser.parse_args()
    for path in args.files:
        stacks = read(path)
        total = sum(n for _, n in stacks) or 1
        print(f"== {path} ({total} samples)")
        counts = by_store(stacks) if args.by == "store" else inclusive(stacks)
        for name, n in counts.most_common(args.top):
            print(f"{n / total:6.1%}  {name}")


if __name__ == "__main__":
    main()
