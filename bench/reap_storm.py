"""Runs under an init as PID 1: makes N orphans that all exit at the same instant, and measures how
long the init takes to reap them after the last one exited (the init's own lag, not the kernel's
teardown). Prints one JSON line."""
import json
import os
import select
import sys
import time


def main() -> None:
    count = int(sys.argv[1])
    release_r, release_w = os.pipe()
    orphans = []
    for _ in range(count):
        report_r, report_w = os.pipe()
        middle = os.fork()
        if middle == 0:
            grandchild = os.fork()
            if grandchild == 0:
                os.close(release_w)
                os.close(report_r)
                os.close(report_w)
                os.read(release_r, 1)  # returns at EOF, when the parent closes the pipe
                os._exit(0)
            os.write(report_w, grandchild.to_bytes(4, "little"))
            os._exit(0)
        os.close(report_w)
        orphans.append(int.from_bytes(os.read(report_r, 4), "little"))
        os.close(report_r)
        os.waitpid(middle, 0)

    adopted = sum(1 for pid in orphans if parent_of(pid) == 1)
    pidfds = [os.pidfd_open(pid) for pid in orphans]
    poller = select.poll()
    for fd in pidfds:
        poller.register(fd, select.POLLIN)

    start = time.monotonic()
    os.close(release_w)
    exited = 0
    while exited < count:
        for fd, _ in poller.poll(1000):
            poller.unregister(fd)
            exited += 1
    all_exited = time.monotonic()
    # A zombie stays in /proc until it is reaped: one directory listing per poll is cheap enough
    # to resolve the init's lag to about a millisecond, where checking 2,000 paths is not.
    wanted = set(orphans)
    deadline = all_exited + 5
    remaining = wanted
    while time.monotonic() < deadline:
        remaining = wanted.intersection(int(name) for name in os.listdir("/proc") if name.isdigit())
        if not remaining:
            break
        # Yield the CPU between polls: a busy loop would compete with the init it measures.
        time.sleep(0.0002)
    all_reaped = time.monotonic()
    print(json.dumps({
        "count": count,
        "adopted": adopted,
        "exit_storm_ms": (all_exited - start) * 1000,
        "reap_lag_ms": (all_reaped - all_exited) * 1000 if not remaining else None,
        "left": len(remaining),
    }), flush=True)


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    return int(text[text.rindex(")") + 2:].split()[1])


main()
