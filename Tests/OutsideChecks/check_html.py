"""Opens a page gym wrote in headless Chromium, as a person would, and checks it.

  python check_html.py FILE.html --chromium PATH [--expect TEXT]... [--screenshot OUT.png]

- No console message at all (a script error, a refused load, a log line).
- No network request: Chromium runs in a network namespace of its own with no network
  (`unshare -n`, where this process may), and its network log must show no http(s) or ws URL
  from the page. (Chromium's own background services are named and left out: they are not
  the page's.)
- The DOM after the scripts ran contains every --expect text.
- A screenshot is not blank.
Prints one line per check; exits 0 when all pass.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from PIL import Image

CHROMIUM_OWN = ("google.com", "googleapis.com", "gvt1.com", "gstatic.com")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps", "--no-pings",
         "--disable-domain-reliability", "--virtual-time-budget=3000"]
failures = []


def check(name, passed, detail=""):
    print(("PASS" if passed else "FAIL") + "  " + name + (": " + detail if detail else ""))
    if not passed:
        failures.append(name)


def isolated():
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def main():
    arguments = sys.argv[1:]
    page = os.path.abspath(arguments[0])
    chromium = arguments[arguments.index("--chromium") + 1]
    expected = [arguments[i + 1] for i, a in enumerate(arguments) if a == "--expect"]
    screenshot_out = arguments[arguments.index("--screenshot") + 1] if "--screenshot" in arguments else None
    prefix = ["unshare", "-n"] if isolated() else []
    with tempfile.TemporaryDirectory() as scratch:
        netlog = os.path.join(scratch, "net.json")
        run = subprocess.run(prefix + [chromium] + FLAGS + [f"--user-data-dir={scratch}/profile", "--enable-logging=stderr", "--v=0",
                             f"--log-net-log={netlog}", "--dump-dom", "file://" + page],
                             capture_output=True, text=True, timeout=180)
        # Messages of the page itself (Chromium's own chrome:// pages log too).
        console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line and "source: file://" in line]
        check("no console messages (errors, refused loads, logs)", not console, "; ".join(console[:3]))
        urls = set(re.findall(r'"url":"([^"]+)"', open(netlog).read())) if os.path.exists(netlog) else set()
        remote = sorted(u for u in urls if re.match(r"(https?|wss?)://", u)
                        and not re.match(r"(https?|wss?)://([^/]*\.)?(%s)(/|:|$)" % "|".join(re.escape(h) for h in CHROMIUM_OWN), u))
        check("no network requests from the page", not remote, ", ".join(remote[:3]) or
              ("in a network namespace of its own" if prefix else "not isolated: the network log alone"))
        dom = run.stdout
        for text in expected:
            check(f"the page shows {text!r}", text in dom)
        png = screenshot_out or os.path.join(scratch, "page.png")
        subprocess.run(prefix + [chromium] + FLAGS + [f"--user-data-dir={scratch}/profile2", f"--screenshot={png}",
                       "--window-size=1000,800", "file://" + page], capture_output=True, timeout=180, check=True)
        image = Image.open(png).convert("RGB")
        counts = image.getcolors(1 << 24)
        white = sum(n for n, colour in counts if colour == (255, 255, 255))
        inked = 1 - white / (image.width * image.height)
        check("a screenshot is not blank", inked > 0.02 and len(counts) > 20, f"{inked:.1%} drawn, {len(counts)} colours")
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


main()
