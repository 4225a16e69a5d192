#!/usr/bin/python3
"""Where a fresh JVM's JIT compiles fall among nnpan's first calls: C2 compiles per window of calls, under JFR.

    benchmarks/warmup_compiles.py [--workload snip] [--model resnet32] [--calls 30] [--runs 2]
                                  [--jar engine/target/nnpan-engine.jar] [--options="-XX:... -XX:..." ...] [--top N]

Each run starts one JVM (the options of one --options entry, or the defaults), records JFR's compilation events,
times --calls calls of `bench --warmup 0` (100 images, 2 threads) and places every compile on the calls' time line
(the bench JSON's first-call start plus its per-call times). Per run it prints the median call time of each window
and the C2 (tier 4) compiles that started in it: how many, their code size, their compile seconds. The windows
follow scoring_rounds.py's reading: calls 1-3 (its warm-up), 4-18 (its 15 timed calls) and the rest. Compile counts
and code sizes are the steady measure on a drifting machine; wall times and compile seconds drift with it. With
several --options entries the runs alternate between them (write --options="-XX:..." with the "=", since the value
starts with a dash; --options= alone is the defaults). --top N lists each run's N costliest C2 compiles in calls 4-18
(call, compile seconds, code size, method; OSR marks an on-stack replacement): which methods to make cheaper to compile,
or to compile sooner.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAVA_HOME = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")
JFC = """<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.Compilation"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
</configuration>
"""
# The options VectorRelaunch gives `java -jar`'s child; set here because JFR must record the JVM that runs the calls.
BASE_OPTIONS = ["--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dnnpan.relaunch=false",
                "-XX:+UseSerialGC", "-Xmn64m"]
WINDOWS = ((0, 3, "calls 1-3"), (3, 18, "calls 4-18"), (18, None, "later"))


def seconds(iso_duration):
    """JFR's ISO-8601 duration (PT0.012S, PT1M2.5S) in seconds."""
    body = iso_duration[2:]
    minutes = 0.0
    if "M" in body:
        m, body = body.split("M", 1)
        minutes = float(m)
    return minutes * 60 + (float(body[:-1]) if body.endswith("S") else 0.0)


def epoch(iso_time):
    return datetime.datetime.fromisoformat(iso_time.replace("Z", "+00:00")).timestamp()


def run_once(jar, options, workload, model, calls, tmp):
    jfc, rec, out = (os.path.join(tmp, n) for n in ("compile.jfc", "run.jfr", "bench.json"))
    with open(jfc, "w") as f:
        f.write(JFC)
    cmd = [os.path.join(JAVA_HOME, "bin", "java")] + BASE_OPTIONS + options.split() + [
        "-XX:StartFlightRecording=filename=%s,settings=%s" % (rec, jfc), "-cp", jar, "org.nnpan.cli.Main", "bench",
        "--workloads", workload, "--model", model, "--batch-size", "100", "--calls", str(calls), "--warmup", "0",
        "--threads", "2", "--json", out]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    row = json.load(open(out))["workloads"][0]
    events = json.loads(subprocess.run([os.path.join(JAVA_HOME, "bin", "jfr"), "print", "--json", "--events",
                                        "jdk.Compilation", rec], check=True, capture_output=True, text=True).stdout)
    starts = [row["timed_start_epoch_ms"] / 1000.0]
    for ms in row["millis"]:
        starts.append(starts[-1] + ms / 1000.0)
    compiles = [[0, 0, 0.0] for _ in WINDOWS]
    measured = []  # (seconds, call, on-stack replacement, code size, method) of each C2 compile in calls 4-18
    for e in events["recording"]["events"]:
        v = e["values"]
        if v["compileLevel"] != 4:
            continue
        t = epoch(v["startTime"])
        for w, (lo, hi, _) in enumerate(WINDOWS):
            if starts[lo] <= t < starts[len(row["millis"]) if hi is None else hi]:
                compiles[w][0] += 1
                compiles[w][1] += v["codeSize"]
                compiles[w][2] += seconds(v["duration"])
                if lo == 3:
                    call = next(i for i in range(lo, hi) if t < starts[i + 1]) + 1
                    method = v["method"]["type"]["name"].split("/")[-1] + "." + v["method"]["name"]
                    measured.append((seconds(v["duration"]), call, v["isOsr"], v["codeSize"], method))
    return row["millis"], compiles, sorted(measured, reverse=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", default="snip")
    p.add_argument("--model", default="resnet32")
    p.add_argument("--calls", type=int, default=30)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--jar", default=os.path.join(ROOT, "engine", "target", "nnpan-engine.jar"))
    p.add_argument("--options", action="append",
                   help='JVM options of one configuration, as --options="-XX:..." (repeat to compare)')
    p.add_argument("--top", type=int, default=0, help="also list each run's N costliest C2 compiles in calls 4-18")
    a = p.parse_args()
    if a.calls < 19:
        sys.exit("--calls must be at least 19 (the windows are calls 1-3, 4-18 and the rest)")
    configs = a.options or [""]
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(1, a.runs + 1):
            for options in configs:
                millis, compiles, measured = run_once(a.jar, options, a.workload, a.model, a.calls, tmp)
                cells = []
                for (lo, hi, name), (n, size, secs) in zip(WINDOWS, compiles):
                    cells.append("%s: median %.0f ms, C2 %d compiles %d KB %.2f s" % (
                        name, statistics.median(millis[lo:hi]), n, size // 1024, secs))
                print("run %d [%s] %s" % (r, options or "defaults", "; ".join(cells)), flush=True)
                for secs, call, osr, size, method in measured[:a.top]:
                    print("  call %2d  %.3f s  %6d B  %s%s" % (call, secs, size, method, " (OSR)" if osr else ""))


if __name__ == "__main__":
    main()
