#!/usr/bin/env python3
"""Reads TensorBoard event files with the `tensorboard` package and prints every scalar.

Usage: scripts/check-tensorboard.py LOGDIR

Checks that files written by Flint's TensorBoardWriter are readable by TensorBoard itself: each run directory
under LOGDIR (LOGDIR included) is loaded with EventAccumulator, and its scalar tags, steps and values are
printed. Exits 1 when nothing is read, 2 when `tensorboard` is not installed (run scripts/setup-peers.sh and use
the peer venv's python: ~/.cache/flint/peers-venv/bin/python).
"""
import os
import sys


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    logdir = sys.argv[1]
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        print("check-tensorboard: the 'tensorboard' package is not installed in", sys.executable, file=sys.stderr)
        print("  run scripts/setup-peers.sh, then ~/.cache/flint/peers-venv/bin/python", sys.argv[0], logdir,
              file=sys.stderr)
        return 2
    if not os.path.isdir(logdir):
        print(f"check-tensorboard: {logdir}: not a directory", file=sys.stderr)
        return 1
    runs = sorted({root for root, _, files in os.walk(logdir) if any("tfevents" in f for f in files)})
    scalars_read = 0
    for run in runs:
        files = sorted(f for f in os.listdir(run) if "tfevents" in f)
        # size_guidance 0 keeps every event instead of TensorBoard's default reservoir sample.
        accumulator = EventAccumulator(run, size_guidance={"scalars": 0})
        accumulator.Reload()
        tags = accumulator.Tags()["scalars"]
        print(f"run {os.path.relpath(run, logdir)}: {len(files)} file(s) {', '.join(files)}; "
              f"file_version {accumulator.file_version!r}; {len(tags)} scalar tag(s)")
        for tag in sorted(tags):
            events = accumulator.Scalars(tag)
            scalars_read += len(events)
            print(f"  {tag}: {len(events)} value(s)")
            for event in events:
                print(f"    step {event.step:>8}  value {event.value!r:<24} wall_time {event.wall_time:.3f}")
    if scalars_read == 0:
        print(f"check-tensorboard: no scalars read from {logdir}", file=sys.stderr)
        return 1
    print(f"check-tensorboard: read {scalars_read} scalar(s) from {len(runs)} run(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
