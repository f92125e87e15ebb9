#!/usr/bin/env python3
"""Start-up time and memory of the PromptLedger app, as a user meets it (run by
scripts/measure-startup.sh inside Xvfb and a private D-Bus session; see there).

For each launch, in a fresh data folder over the 20,000-run sample ledger:
  window  -- the app's X window is mapped (xdotool)
  painted -- the UI's first frame is painted (the app's start-up log, `painted`)
  usable  -- the Playground has its keys, templates and form ready (`usable`)
then, on the last launch, the memory of every process of the app (the main process and each
WebKit process it started): PSS from /proc/PID/smaps_rollup, RSS beside it, after start and after
opening Analytics (Ctrl+K, "Analytics", Enter — the real keyboard path) on the sample ledger.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

APP, SAMPLE, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
LAUNCHES = int(os.environ.get("MEASURE_LAUNCHES", "7"))
SETTLE_S = 3.0


def marks(log):
    found = {}
    try:
        with open(log) as f:
            for line in f:
                name, _, ms = line.strip().partition(" ")
                if ms.isdigit():
                    found.setdefault(name, int(ms) / 1000.0)
    except FileNotFoundError:
        pass
    return found


class DisplayRefused(Exception):
    """GTK could not open the X display (seen about once in 20 launches under Xvfb while this
    script polls it with xdotool); the launch is repeated and counted in the report."""


def wait_mark(log, name, proc=None, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        m = marks(log)
        if name in m:
            return m[name]
        time.sleep(0.005)
    if proc is not None and proc.poll() is not None:
        with open(os.path.join(os.path.dirname(log), "app.log"), errors="replace") as f:
            tail = f.read()[-3000:]
        if "Failed to initialize GTK" in tail:
            raise DisplayRefused()
        raise SystemExit(f"measure: the app exited ({proc.returncode}) before reporting '{name}':\n{tail}")
    if proc is not None and shutil.which("gdb"):
        # Where it stands, for the report.
        subprocess.run(["gdb", "-p", str(proc.pid), "-batch", "-ex", "thread apply all bt 20"],
                       check=False)
    raise SystemExit(f"measure: the app never reported '{name}' (log {log})")


def window_ids():
    r = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^PromptLedger$"],
                       capture_output=True, text=True)
    return r.stdout.split()


def descendants(root):
    """The process and everything it started (WebKit's web and network processes, any
    sandbox helper), by walking /proc's parent links."""
    children = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(pid))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory(root):
    rows = []
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
            fields = {}
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    key, _, rest = line.partition(":")
                    if rest.strip().endswith("kB"):
                        fields[key] = int(rest.split()[0])
        except OSError:
            continue
        rows.append((pid, comm, fields.get("Pss", 0) / 1024, fields.get("Rss", 0) / 1024))
    return rows


def show_memory(title, rows, lines):
    lines.append(f"  {title}")
    lines.append(f"    {'process':<24}{'PSS MB':>9}{'RSS MB':>9}")
    for pid, comm, pss, rss in rows:
        lines.append(f"    {comm + ' (' + str(pid) + ')':<24}{pss:>9.1f}{rss:>9.1f}")
    lines.append(f"    {'all processes':<24}{sum(r[2] for r in rows):>9.1f}{sum(r[3] for r in rows):>9.1f}")


def launch(keep):
    data = tempfile.mkdtemp(prefix="pl-measure-")
    log = os.path.join(data, "startup.log")
    env = dict(os.environ,
               HOME=data,
               XDG_DATA_HOME=os.path.join(data, "share"),
               XDG_CONFIG_HOME=os.path.join(data, "config"),
               XDG_CACHE_HOME=os.path.join(data, "cache"),
               PROMPTLEDGER_DB=os.path.join(data, "ledger.sqlite3"),
               PROMPTLEDGER_STARTUP_LOG=log)
    shutil.copy(SAMPLE, env["PROMPTLEDGER_DB"])
    t0 = time.time()
    errors = open(os.path.join(data, "app.log"), "wb")
    proc = subprocess.Popen([APP], env=env, stdout=subprocess.DEVNULL, stderr=errors)
    mapped = None
    end = t0 + 60
    while mapped is None and time.time() < end:
        if window_ids():
            mapped = time.time()
        else:
            time.sleep(0.01)
    try:
        painted = wait_mark(log, "painted", proc)
        usable = wait_mark(log, "usable", proc)
    except DisplayRefused:
        shutil.rmtree(data, ignore_errors=True)
        raise
    m = marks(log)
    result = {
        "window": (mapped or float("nan")) - t0,
        "painted": painted - t0,
        "usable": usable - t0,
        "main": m.get("main", t0) - t0,
        "setup_start": m.get("setup_start", t0) - t0,
        "setup_done": m.get("setup_done", t0) - t0,
    }
    if not keep:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(data, ignore_errors=True)
        return result, None
    return result, (proc, data, log)


def main():
    lines = []
    runs = []
    refused = 0
    for i in range(LAUNCHES):
        for _ in range(3):
            try:
                r, kept = launch(keep=(i == LAUNCHES - 1))
                break
            except DisplayRefused:
                refused += 1
        else:
            raise SystemExit("measure: GTK could not open the display three times in a row")
        runs.append(r)
        print(f"measure: launch {i + 1}/{LAUNCHES}: window {r['window']:.3f} s, "
              f"painted {r['painted']:.3f} s, usable {r['usable']:.3f} s", flush=True)
    proc, data, log = kept

    time.sleep(SETTLE_S)
    after_start = memory(proc.pid)

    win = window_ids()[0]
    subprocess.run(["xdotool", "windowfocus", "--sync", win], check=True)
    subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+k"], check=True)
    time.sleep(0.3)
    subprocess.run(["xdotool", "type", "--delay", "20", "Analytics"], check=True)
    time.sleep(0.2)
    subprocess.run(["xdotool", "key", "Return"], check=True)
    wait_mark(log, "analytics")
    time.sleep(SETTLE_S)
    with_analytics = memory(proc.pid)
    shot = os.path.join(OUT, "measure-analytics.png")
    subprocess.run(["import", "-window", "root", shot], check=False)
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(data, ignore_errors=True)

    def med(k):
        return statistics.median(r[k] for r in runs)

    def worst(k):
        return max(r[k] for r in runs)

    lines.append(f"PromptLedger start-up and memory ({LAUNCHES} launches, release build, Xvfb)")
    lines.append(f"  machine: {machine()}")
    if refused:
        lines.append(f"  ({refused} launch(es) repeated: GTK could not open the X display)")
    lines.append(f"  {'':<34}{'median':>8}{'worst':>8}")
    for key, label in [("main", "process running Rust main"),
                       ("setup_start", "GTK, plugins and window created"),
                       ("setup_done", "ledger and services opened"),
                       ("window", "window mapped (X)"),
                       ("painted", "first painted window"),
                       ("usable", "Playground usable")]:
        lines.append(f"  {label:<34}{med(key):>7.3f}s{worst(key):>7.3f}s")
    show_memory("memory after start (3 s settled)", after_start, lines)
    show_memory("memory with Analytics open on 20,000 runs", with_analytics, lines)
    lines.append(f"  screenshot: {shot}")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(OUT, "measure-startup.txt"), "w") as f:
        f.write(text + "\n")


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) / 1024 / 1024
    osname = "Linux"
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    webkit = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libwebkit2gtk-4.1-0"],
                            capture_output=True, text=True).stdout.strip()
    return f"{osname}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, WebKitGTK {webkit}"


if __name__ == "__main__":
    main()
