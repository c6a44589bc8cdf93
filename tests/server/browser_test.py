#!/usr/bin/python3
"""The viewer in a real browser: headless Chromium, driven through WebDriver, against `vidscribe serve` on a
free loopback port, on a library made here (videos cut with ffmpeg, frames and captions from the tiny models,
then events planted with known times and captions, one of them a <script>, and a file named like an HTML tag).

  browser_test.py --vidscribe BUILD/vidscribe --shared ../shared --artifacts DIR

Screenshots of every page go to DIR. Needs chromium, chromium-driver and python3-selenium
(scripts/install-deps.sh installs them)."""

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    sys.exit("browser_test: python3-selenium is not installed (bash scripts/install-deps.sh installs it)")

ARGS = None
KITCHEN_EVENTS = [  # (start, end, caption): planted over the captioner's own
    (0.0, 2.5, "a person walks into the kitchen"),
    (3.0, 5.5, "a chef slices purple onions"),
    (6.0, 8.0, "<script>window.pwned = 2</script> the plate is served"),
]
ODD_NAME = "<img src=x onerror=window.pwned=1>.webm"


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return r.stdout


def make_video(path, seconds, pattern):
    # VP8 in WebM: what every Chromium plays, whatever codecs its build has.
    run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"{pattern}=size=320x240:rate=10",
         "-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v", "libvpx", "-b:v", "300k", path])


def tiny_models():
    golden = os.path.join(ARGS.shared, "golden")
    return ["--clip", os.path.join(golden, "tiny-clip"), "--lm", os.path.join(golden, "tiny-gpt2"),
            "--max-tokens", "4", "--candidates", "16", "--no-cache"]


def serve(library, *extra):
    """`vidscribe serve` on a free port: the process and its URL."""
    server = subprocess.Popen([ARGS.vidscribe, "--threads", "1", "serve", "--port", "0", "--library", library, *extra],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    m = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
    if not m:
        server.kill()
        raise RuntimeError("serve did not print its URL: " + line)
    return server, m.group(1)


def stop(server):
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
    server.stdout.close()


class Viewer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="vidscribe-browser-")
        videos = os.path.join(cls.dir, "videos")
        os.makedirs(videos)
        make_video(os.path.join(videos, "kitchen.webm"), 8, "testsrc2")
        make_video(os.path.join(videos, ODD_NAME), 4, "smptebars")
        make_video(os.path.join(videos, "gone.webm"), 3, "rgbtestsrc")
        cls.library = os.path.join(cls.dir, "lib.db")
        run([ARGS.vidscribe, "-q", "--threads", "1", "library", "add", "-r", videos, "--caption", "--library", cls.library,
             *tiny_models(), "--steps", "10"])
        # The kitchen's latest run gets events with known times and captions.
        db = sqlite3.connect(cls.library)
        ids = {os.path.basename(p): i for i, p in db.execute("SELECT id, path FROM videos")}
        cls.kitchen, cls.odd, cls.gone = ids["kitchen.webm"], ids[ODD_NAME], ids["gone.webm"]
        (run_id,) = db.execute("SELECT max(id) FROM caption_runs WHERE video_id = ?", (cls.kitchen,)).fetchone()
        db.execute("DELETE FROM events WHERE run_id = ?", (run_id,))
        for start, end, caption in KITCHEN_EVENTS:
            db.execute("INSERT INTO events(run_id, video_id, start_s, end_s, caption, score) VALUES (?, ?, ?, ?, ?, 0.5)",
                       (run_id, cls.kitchen, start, end, caption))
        db.commit()
        db.close()
        os.remove(os.path.join(videos, "gone.webm"))  # deleted after it was added

        cls.server, cls.url = serve(cls.library)

        options = webdriver.ChromeOptions()
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--mute-audio",
                     "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900"]:
            options.add_argument(flag)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        cls.browser = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                                       options=options)
        cls.wait = WebDriverWait(cls.browser, 30)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        stop(cls.server)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def open(self, path):
        self.browser.get(self.url + path.lstrip("/"))

    def js(self, script, *args):
        return self.browser.execute_script(script, *args)

    def until(self, script, what):
        return self.wait.until(lambda b: b.execute_script(script), what)

    def screenshot(self, name):
        os.makedirs(ARGS.artifacts, exist_ok=True)
        self.browser.save_screenshot(os.path.join(ARGS.artifacts, name + ".png"))

    def assert_no_script_ran(self):
        self.assertIsNone(self.js("return window.pwned === undefined ? null : window.pwned"))

    def test_1_library_page(self):
        self.open("/")
        self.until("return document.querySelectorAll('#videos .video-card').length == 3", "three video cards")
        names = [e.text for e in self.browser.find_elements(By.CSS_SELECTOR, "#videos .video-card .name")]
        self.assertIn("kitchen.webm", names)
        self.assertIn(ODD_NAME, names)  # a file name like a tag shows as text
        self.assert_no_script_ran()
        # The kitchen's thumbnail is a real picture from the server; the deleted file's card says so.
        self.until("""return [...document.querySelectorAll('.video-card')].some(c =>
                        c.getAttribute('href') == '/video/%d' && c.querySelector('img.thumb').naturalWidth == 320)"""
                   % self.kitchen, "the kitchen's thumbnail")
        gone = self.browser.find_element(By.CSS_SELECTOR, f".video-card[href='/video/{self.gone}']")
        self.assertIn("missing", gone.get_attribute("class"))
        self.screenshot("library")
        # The filter box narrows the grid.
        self.browser.find_element(By.ID, "filter").send_keys("kitch")
        self.until("return document.querySelectorAll('#videos .video-card').length == 1", "the filtered grid")
        self.screenshot("library-filtered")

    def test_2_video_page(self):
        self.open(f"/video/{self.kitchen}")
        self.until("const v = document.getElementById('player'); return v && v.readyState >= 1", "the video's metadata")
        # The captions track holds the events' cues, the chapters track one chapter per event.
        self.js("document.getElementById('player').textTracks[1].mode = 'hidden'")
        self.until("return [...document.querySelectorAll('#player track')].every(t => t.readyState == 2)", "both tracks")
        # (getCueAsHTML: the cue as the player shows it, WebVTT's &lt; escapes read back)
        cues = self.js("return [...document.getElementById('player').textTracks[0].cues]"
                       ".map(c => [c.startTime, c.getCueAsHTML().textContent])")
        self.assertEqual([round(c[0], 3) for c in cues], [e[0] for e in KITCHEN_EVENTS])
        self.assertEqual([c[1] for c in cues], [e[2] for e in KITCHEN_EVENTS])
        self.assertEqual(self.js("return document.getElementById('player').textTracks[1].cues.length"), len(KITCHEN_EVENTS))
        self.assertEqual(len(self.browser.find_elements(By.CSS_SELECTOR, "#timeline .event-block")), len(KITCHEN_EVENTS))
        # The caption with <script> is text in the list, and ran nowhere.
        rows = self.browser.find_elements(By.CSS_SELECTOR, "#events tr.event")
        self.assertEqual(len(rows), len(KITCHEN_EVENTS))
        self.assertIn(KITCHEN_EVENTS[2][2], rows[2].text)
        self.assert_no_script_ran()
        # Clicking the second event seeks to its start, and marks it current.
        self.js("const v = document.getElementById('player'); v.pause(); window.seekedAt = null; "
                "v.addEventListener('seeked', () => { if (window.seekedAt === null) window.seekedAt = v.currentTime; })")
        self.browser.find_elements(By.CSS_SELECTOR, "#timeline .event-block")[1].click()
        self.until("return window.seekedAt !== null", "a seek after the click")
        self.js("document.getElementById('player').pause()")
        self.assertLess(abs(self.js("return window.seekedAt") - KITCHEN_EVENTS[1][0]), 0.5)
        self.until("return document.querySelector('#events tr.event.current')?.dataset.index == '1'", "the current row")
        # Keyboard: k to the next event, j back, space plays.
        body = self.browser.find_element(By.TAG_NAME, "body")
        body.send_keys("k")
        self.until("const v = document.getElementById('player'); return Math.abs(v.currentTime - %f) < 0.5"
                   % KITCHEN_EVENTS[2][0], "k: the next event")
        body.send_keys("j")
        self.until("const v = document.getElementById('player'); return Math.abs(v.currentTime - %f) < 0.5"
                   % KITCHEN_EVENTS[1][0], "j: the previous event")
        self.assertTrue(self.js("return document.getElementById('player').paused"))
        body.send_keys(Keys.SPACE)
        self.until("return !document.getElementById('player').paused", "space: playing")
        self.screenshot("video")

    def test_3_search_opens_the_moment(self):
        self.open("/")
        box = self.browser.find_element(By.ID, "q")
        box.send_keys("onions")
        box.send_keys(Keys.ENTER)
        self.until("return location.pathname == '/search' && document.querySelectorAll('.moment-card').length > 0",
                   "moment cards")
        captions = [e.text for e in self.browser.find_elements(By.CSS_SELECTOR, ".moment-card .caption")]
        self.assertIn(KITCHEN_EVENTS[1][2], captions)
        self.screenshot("search")
        first = self.browser.find_elements(By.CSS_SELECTOR, ".moment-card")[0]
        m = re.search(r"/video/(\d+)\?t=([0-9.]+)$", first.get_attribute("href"))
        self.assertIsNotNone(m, first.get_attribute("href"))
        start = float(m.group(2))
        first.click()
        self.until("const v = document.getElementById('player'); return v && v.readyState >= 1 && "
                   "Math.abs(v.currentTime - %f) < 0.5" % start, "the player at the moment's start")
        self.assertEqual(self.js("return location.pathname"), f"/video/{m.group(1)}")
        self.screenshot("search-result")

    def test_4_a_deleted_file_is_a_message(self):
        self.open(f"/video/{self.gone}")
        self.until("return document.getElementById('missing') != null", "the missing-file message")
        self.assertIn("gone", self.browser.find_element(By.ID, "missing").text)
        self.assertEqual(self.browser.find_elements(By.ID, "player"), [])
        self.open("/video/999999")
        self.until("return document.querySelector('#view .error') != null", "the unknown-video message")
        self.assertIn("no video 999999", self.browser.find_element(By.CSS_SELECTOR, "#view .error").text)
        self.screenshot("missing")

    def test_5_caption_from_the_browser(self):
        # A read-only server shows no caption button; one started with --allow-captioning does, and its job
        # adds a caption run (other options than the library's: steps 5) that the page then shows.
        self.open(f"/video/{self.odd}")
        self.until("return document.querySelector('#events') != null", "the video page")
        time.sleep(0.5)
        self.assertEqual(self.browser.find_elements(By.ID, "caption-btn"), [])
        server, url = serve(self.library, "--allow-captioning", *tiny_models(), "--steps", "5")
        try:
            api = lambda path: json.load(urllib.request.urlopen(url + path.lstrip("/"), timeout=30))
            runs = len(api(f"/api/videos/{self.odd}")["caption_runs"])
            self.browser.get(url + f"video/{self.odd}")
            button = self.wait.until(lambda b: b.find_elements(By.ID, "caption-btn"), "the caption button")[0]
            button.click()
            self.wait.until(lambda b: len(api(f"/api/videos/{self.odd}")["caption_runs"]) == runs + 1, "a new caption run")
            events = api(f"/api/videos/{self.odd}")["latest_events"]
            self.assertGreater(len(events), 0)
            self.until("const b = document.getElementById('caption-btn'); return b && !b.disabled && "
                       "document.querySelectorAll('#events tr.event').length == %d" % len(events), "the page redrawn")
            first = self.browser.find_elements(By.CSS_SELECTOR, "#events tr.event td.text")[0]
            self.assertEqual(" ".join(first.text.split()), " ".join(events[0]["caption"].split()))
            self.screenshot("captioned")
        finally:
            stop(server)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--vidscribe", required=True)
    parser.add_argument("--shared", required=True)
    parser.add_argument("--artifacts", required=True)
    ARGS, rest = parser.parse_known_args()
    for tool in ["chromium", "chromedriver", "ffmpeg"]:
        if shutil.which(tool) is None and not os.path.exists("/usr/bin/" + tool):
            sys.exit(f"browser_test: {tool} is not installed (bash scripts/install-deps.sh installs it)")
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
