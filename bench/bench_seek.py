#!/usr/bin/python3
"""Time to the first frame after a seek, in the viewer, in a 1 GB video: real headless Chromium playing
/media/{id} from `vidscribe serve`, seeking to random points; for each seek the time from setting currentTime
to the first new frame presented (requestVideoFrameCallback), and the bytes the server read meanwhile
(/proc/PID/io rchar of the server process). The video (720p H.264 at about 10 Mbit/s, 1 GiB: about 15
minutes) is made once with ffmpeg and kept in --dir.

  bench_seek.py --vidscribe build/vidscribe --clip ../shared/golden/tiny-clip [--seeks 20] [--dir DIR]

Prints one JSON object."""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def rchar(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return -1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--vidscribe", default="build/vidscribe")
    p.add_argument("--clip", default="../shared/golden/tiny-clip", help="any CLIP: the library needs frames of one")
    p.add_argument("--seeks", type=int, default=20)
    p.add_argument("--dir", default="/tmp/vidscribe-bench-seek")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    video = os.path.join(a.dir, "big.mp4")
    size = 1 << 30
    if not os.path.exists(video) or os.path.getsize(video) < size * 0.95:
        print("making a 1 GiB video (once) ...", file=sys.stderr)
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                        "-vf", "noise=alls=6:allf=t+u", "-t", "7200", "-fs", str(size), "-c:v", "libx264", "-preset",
                        "ultrafast", "-crf", "20", "-g", "60", "-pix_fmt", "yuv420p", "-movflags", "+faststart", video],
                       check=True)
    library = os.path.join(a.dir, "lib.db")
    if not os.path.exists(library):
        subprocess.run([a.vidscribe, "-q", "library", "add", video, "--library", library, "--clip", a.clip,
                        "--fps", "0.02", "--no-cache"], check=True)
    server = subprocess.Popen([a.vidscribe, "serve", "--port", "0", "--library", library], stdout=subprocess.PIPE, text=True)
    url = re.search(r"at (http://\S+/)", server.stdout.readline()).group(1)
    options = webdriver.ChromeOptions()
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--mute-audio",
                 "--autoplay-policy=no-user-gesture-required"]:
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    try:
        browser.get(url + "video/1")
        deadline = time.time() + 60
        while not browser.execute_script("const v = document.getElementById('player'); return v && v.readyState >= 2"):
            if time.time() > deadline:
                raise RuntimeError("the player did not load the video")
            time.sleep(0.05)
        duration = browser.execute_script("return document.getElementById('player').duration")
        rng = random.Random(1)
        times, read = [], []
        for _ in range(a.seeks):
            target = rng.uniform(0, duration - 5)
            before = rchar(server.pid)
            # From setting currentTime to the first frame presented at the new place.
            ms = browser.execute_async_script("""
                const [t, done] = arguments; const v = document.getElementById('player'); v.pause();
                const t0 = performance.now();
                v.requestVideoFrameCallback(() => done(performance.now() - t0));
                v.currentTime = t;""", target)
            read.append(rchar(server.pid) - before)
            times.append(ms)
        times.sort()
        print(json.dumps({
            "file_bytes": os.path.getsize(video), "duration_s": duration, "seeks": a.seeks,
            "first_frame_ms": {"median": statistics.median(times), "p95": times[min(len(times) - 1, len(times) * 95 // 100)]},
            "server_bytes_read_per_seek": {"median": statistics.median(read), "max": max(read)},
            "load_average_1min": os.getloadavg()[0],
        }, indent=2))
    finally:
        browser.quit()
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
