#!/usr/bin/env python3
"""Render every kind of convdyn report in headless Chromium and check it as a reader's browser would.

Usage: python3 Scripts/browser-check.py CONVDYN OUTDIR [--pages HTML ...] [--kinds run,runs,...]

Makes each kind of report with CONVDYN into OUTDIR/runs/ (one run, a directory of runs from
`demo --seeds 3`, an image run when /usr/share/datasets/fashion-mnist exists, a sweep of four runs,
a verify directory), then opens every report page found there in Debian's chromium (headless,
driven over the DevTools protocol with a WebSocket client written here on the standard library) at
1400 px (desktop) and 400 px (a phone: mobile emulation, so a page without a viewport tag is laid out
at 980 px and shrunk, as a phone does). A page FAILS on:

  - a console error or an uncaught exception;
  - a request other than a file: URL inside the report's own directory (or a data: URL);
  - a broken link or image: an href or src that does not resolve to an existing file, a #fragment
    with no such id, an image that did not decode;
  - an element wider than the viewport (the page scrolls sideways, or an element sticks out of
    the screen and is not inside a box that scrolls it);
  - rendered text smaller than 9 px on the screen (HTML text by its computed size times the page
    scale; SVG text, inline or in an <img>, by its font size times the SVG's scale on the page).

Screenshots (full page, at most 16000 px tall) go to OUTDIR/screenshots/. One line is printed per
page and width; the exit status is 1 when any page fails, 2 when the check itself cannot run.
With --pages, only the given HTML files are checked (nothing is made).
"""

import argparse
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

WIDTHS = [(1400, 1000, False), (400, 900, True)]
MIN_TEXT_PX = 9.0
FASHION = "/usr/share/datasets/fashion-mnist"
MAX_SHOT_HEIGHT = 16000
KINDS = ["run", "runs", "images", "sweep", "verify"]


class CheckError(Exception):
    """The check itself cannot go on (no browser, a protocol error, a timeout)."""


# --- A minimal WebSocket client (RFC 6455): handshake, masked client frames, fragmented messages.


class WebSocket:
    def __init__(self, host, port, path, timeout=60):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise CheckError("the browser closed the WebSocket during the handshake")
            response += chunk
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise CheckError(f"WebSocket handshake refused: {head.decode(errors='replace')}")

    def send(self, text):
        payload = text.encode()
        header = bytearray([0x81])  # FIN, text frame
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 1 << 16:
            header.append(0x80 | 126)
            header += struct.pack(">H", n)
        else:
            header.append(0x80 | 127)
            header += struct.pack(">Q", n)
        mask = os.urandom(4)
        header += mask
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(header) + masked)

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise CheckError("the browser closed the WebSocket")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def receive(self):
        """The next whole text message (pings answered, fragments joined)."""
        message = b""
        while True:
            b0, b1 = self._read(2)
            opcode, fin = b0 & 0x0F, b0 & 0x80
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:  # ping
                self._control(0xA, payload)
                continue
            if opcode == 0x8:
                raise CheckError("the browser closed the WebSocket")
            if opcode == 0xA:
                continue
            message += payload
            if fin:
                return message.decode()

    def _control(self, opcode, payload):
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def close(self):
        try:
            self._control(0x8, b"")
        except OSError:
            pass
        self.sock.close()


# --- Chromium over the DevTools protocol.


class Browser:
    def __init__(self, executable):
        self.profile = tempfile.mkdtemp(prefix="browser-check-profile-")
        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--allow-file-access-from-files",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 60
        while True:
            if os.path.exists(port_file):
                lines = open(port_file).read().split("\n")
                if len(lines) >= 2 and lines[1]:
                    break
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                raise CheckError(f"{executable} did not start its DevTools endpoint")
            time.sleep(0.1)
        self.ws = WebSocket("127.0.0.1", int(lines[0]), lines[1])
        self.next_id = 0
        self.events = []

    def call(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        mid = self.next_id
        message = {"id": mid, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.time() + timeout
        while True:
            if time.time() > deadline:
                raise CheckError(f"no answer to {method} in {timeout} s")
            reply = json.loads(self.ws.receive())
            if reply.get("id") == mid:
                if "error" in reply:
                    raise CheckError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method, session, timeout=60):
        deadline = time.time() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["method"] == method and e.get("sessionId") == session:
                    del self.events[i]
                    return e
            if time.time() > deadline:
                raise CheckError(f"no {method} in {timeout} s")
            self.ws.sock.settimeout(max(0.1, deadline - time.time()))
            reply = json.loads(self.ws.receive())
            if "method" in reply:
                self.events.append(reply)

    def stop(self):
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


# Run in the page: links, images, overflow and the smallest text. SVGs shown as <img> are read
# (file: access is allowed to this browser only) and laid out hidden at the image's size to measure
# their text as it appears.
MEASURE = r"""
(() => {
  const vv = window.visualViewport;
  const scale = vv ? vv.scale : 1;
  const viewport = document.documentElement.clientWidth;
  const out = {viewport, scale, scrollWidth: document.documentElement.scrollWidth,
               hasViewportMeta: !!document.querySelector('meta[name="viewport"]'),
               refs: [], brokenImages: [], wide: [], small: [], ids: [], svgImages: 0};
  for (const e of document.querySelectorAll('[id]')) out.ids.push(e.id);
  for (const e of document.querySelectorAll('a[href], link[href]'))
    out.refs.push({tag: e.tagName.toLowerCase(), attr: e.getAttribute('href'), url: e.href});
  for (const e of document.querySelectorAll('[src]'))
    out.refs.push({tag: e.tagName.toLowerCase(), attr: e.getAttribute('src'), url: e.src});
  for (const e of document.querySelectorAll('image, use')) {
    const h = e.getAttribute('href') || e.getAttribute('xlink:href');
    if (h) out.refs.push({tag: e.tagName, attr: h, url: new URL(h, document.baseURI).href});
  }
  // File names in the text (plots/x.svg, seed-0/report.html): a reader looks for them beside the page.
  const named = new Set();
  for (const m of document.body.innerText.matchAll(/(?:^|[\s(\[`"'])((?:[\w.-]+\/)+[\w.-]+\.(?:svg|html|png))(?=$|[\s)\]`"',;:.])/g))
    named.add(m[1]);
  out.named = [...named].map(n => ({attr: n, url: new URL(n, document.baseURI).href}));
  for (const img of document.images)
    if (!img.complete || img.naturalWidth === 0) out.brokenImages.push(img.getAttribute('src'));

  const describe = (e) => {
    let s = e.tagName.toLowerCase();
    if (e.id) s += '#' + e.id;
    else if (e.classList && e.classList.length) s += '.' + [...e.classList].join('.');
    const t = (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return t ? `${s} "${t}"` : s;
  };
  const visible = (e) => {
    const st = getComputedStyle(e);
    if (st.visibility === 'hidden' || st.display === 'none') return false;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  // A table (or preformatted text) sticking out is fine inside a box that scrolls or clips it;
  // a plot or anything else must fit the screen.
  const clipped = (e) => {
    if (!e.closest('table, pre')) return false;
    for (let a = e.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip') return true;
    }
    return false;
  };
  const sx = window.scrollX;
  const flagged = new Set();
  const inFlagged = (e) => { for (let a = e.parentElement; a; a = a.parentElement) if (flagged.has(a)) return true; return false; };
  for (const e of document.body.querySelectorAll('*')) {
    if (e.closest('svg') && e.tagName.toLowerCase() !== 'svg') continue;
    if (!visible(e)) continue;
    const r = e.getBoundingClientRect();
    const left = r.left + sx, right = r.right + sx;
    if ((right > viewport + 1 || left < -1) && !clipped(e) && !inFlagged(e)) {
      flagged.add(e);
      out.wide.push({what: describe(e), left: Math.round(left), right: Math.round(right)});
    }
  }
  // The outermost offenders only.
  out.wide = out.wide.slice(0, 200);

  const svgText = (root, factor, where) => {
    for (const t of root.querySelectorAll('text')) {
      const content = (t.textContent || '').trim();
      if (!content) continue;
      const st = getComputedStyle(t);
      if (st.display === 'none' || st.visibility === 'hidden') continue;
      const m = t.getScreenCTM();
      if (!m) continue;
      const k = Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
      const px = parseFloat(st.fontSize) * k * factor;
      out.small.push({px, text: content.slice(0, 30), where});
    }
  };
  // HTML text.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const p = n.parentElement;
    if (!p || p.closest('svg') || p.closest('script, style, title, noscript')) continue;
    if (!visible(p)) continue;
    const px = parseFloat(getComputedStyle(p).fontSize) * scale;
    out.small.push({px, text: n.textContent.trim().slice(0, 30), where: describe(p).split(' ')[0]});
  }
  // Inline SVG text.
  svgText(document.body, scale, 'inline svg');
  // SVG images: lay each one out hidden at the size the <img> has.
  for (const img of document.images) {
    const src = img.getAttribute('src') || '';
    if (!/\.svg($|[?#])/i.test(src) || !visible(img)) continue;
    let text = null;
    try {
      const x = new XMLHttpRequest();
      x.open('GET', img.src, false);
      x.send();
      text = x.responseText;
    } catch (err) { continue; }
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const svg = doc.documentElement;
    if (!svg || svg.tagName.toLowerCase() !== 'svg') continue;
    const r = img.getBoundingClientRect();
    const box = document.createElement('div');
    box.style.cssText = `position:absolute;left:0;top:0;visibility:hidden;width:${r.width}px;height:${r.height}px`;
    const node = document.importNode(svg, true);
    if (!node.getAttribute('viewBox') && node.getAttribute('width') && node.getAttribute('height'))
      node.setAttribute('viewBox', `0 0 ${parseFloat(node.getAttribute('width'))} ${parseFloat(node.getAttribute('height'))}`);
    node.setAttribute('width', r.width);
    node.setAttribute('height', r.height);
    box.appendChild(node);
    document.body.appendChild(box);
    for (const t of node.querySelectorAll('text')) t.style.visibility = 'visible';
    svgText(node, scale, src);
    box.remove();
    out.svgImages++;
  }
  out.small = out.small.filter(s => s.px < %MIN%).sort((a, b) => a.px - b.px);
  out.smallCount = out.small.length;
  out.small = out.small.slice(0, 5);
  return out;
})()
""".replace("%MIN%", str(MIN_TEXT_PX))


def allowed_request(url, root):
    if url.startswith("data:") or url.startswith("about:") or url.startswith("blob:"):
        return True
    if url.startswith("file://"):
        path = os.path.realpath(urllib.parse.unquote(urllib.parse.urlparse(url).path))
        return path == root or path.startswith(root + os.sep)
    return False


def check_page(browser, page, root, width, height, mobile, shot):
    """The reasons `page` fails at this width (empty when it passes)."""
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    reasons = []
    try:
        for domain in ["Page", "Runtime", "Log", "Network"]:
            browser.call(f"{domain}.enable", session=session)
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
            session=session,
        )
        browser.events.clear()
        url = "file://" + urllib.parse.quote(page)
        browser.call("Page.navigate", {"url": url}, session=session)
        browser.wait_for("Page.loadEventFired", session, timeout=60)
        browser.call(
            "Runtime.evaluate", {"expression": "document.fonts.ready.then(() => 1)", "awaitPromise": True},
            session=session)
        result = browser.call(
            "Runtime.evaluate", {"expression": MEASURE, "returnByValue": True}, session=session, timeout=120)
        if "exceptionDetails" in result:
            raise CheckError(f"the measuring script failed: {result['exceptionDetails']}")
        m = result["result"]["value"]
        metrics = browser.call("Page.getLayoutMetrics", session=session)
        content = metrics.get("cssContentSize") or metrics.get("contentSize")
        # As the screen shows it: a phone shrinks a page laid out wider than itself.
        zoom = min(1.0, m["scale"])
        shot_height = min(max(content["height"], height / zoom), MAX_SHOT_HEIGHT / zoom)
        image = browser.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True,
             "clip": {"x": 0, "y": 0, "width": max(m["viewport"], content["width"]), "height": shot_height,
                      "scale": zoom}},
            session=session, timeout=120)
        with open(shot, "wb") as f:
            f.write(base64.b64decode(image["data"]))
        # Events that came in while measuring.
        browser.call("Runtime.evaluate", {"expression": "1"}, session=session)
        events = [e for e in browser.events if e.get("sessionId") == session]
        browser.events = [e for e in browser.events if e.get("sessionId") != session]
    finally:
        browser.call("Target.closeTarget", {"targetId": target})

    urls = {e["params"]["requestId"]: e["params"]["request"]["url"] for e in events
            if e["method"] == "Network.requestWillBeSent"}
    for e in events:
        p = e["params"]
        if e["method"] == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            reasons.append(f"console error: {text[:120]}")
        elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
            reasons.append(f"console error: {p['entry']['text'][:120]}")
        elif e["method"] == "Runtime.exceptionThrown":
            reasons.append(f"exception: {p['exceptionDetails'].get('text', '')[:120]}")
        elif e["method"] == "Network.requestWillBeSent":
            u = p["request"]["url"]
            if not allowed_request(u, root):
                reasons.append(f"request outside the report: {u[:120]}")
        elif e["method"] == "Network.loadingFailed" and not p.get("canceled"):
            reasons.append(f"failed to load {urls.get(p['requestId'], '?')[:120]}: {p.get('errorText', '')}")

    ids = set(m["ids"])
    seen = set()
    for ref in m["refs"]:
        attr, resolved = ref["attr"], ref["url"]
        if attr in seen:
            continue
        seen.add(attr)
        parsed = urllib.parse.urlparse(resolved)
        if attr.startswith("#"):
            if attr[1:] and urllib.parse.unquote(attr[1:]) not in ids:
                reasons.append(f"broken link {attr!r} (no element with that id)")
        elif parsed.scheme == "file":
            path = urllib.parse.unquote(parsed.path)
            if not os.path.exists(path):
                reasons.append(f"broken {ref['tag']} {attr!r} ({os.path.relpath(path, os.path.dirname(page))} "
                               f"does not exist)")
        elif parsed.scheme in ("http", "https") and ref["tag"] != "a":
            reasons.append(f"{ref['tag']} loads {attr!r} from the network")
    for ref in m["named"]:
        path = urllib.parse.unquote(urllib.parse.urlparse(ref["url"]).path)
        if ref["attr"] not in seen and not os.path.exists(path):
            reasons.append(f"the text names {ref['attr']!r}, which does not exist")
    for src in m["brokenImages"]:
        reasons.append(f"image {src!r} did not load")

    if mobile and not m["hasViewportMeta"]:
        reasons.append(f"no <meta name=viewport>: laid out {m['viewport']} px wide on a {width} px screen "
                       f"(scale {m['scale']:.2f})")
    if m["scrollWidth"] > m["viewport"] + 1:
        reasons.append(f"page is {m['scrollWidth']} px wide in a {m['viewport']} px viewport")
    if m["wide"]:
        w = m["wide"][0]
        more = f" and {len(m['wide']) - 1} more" if len(m["wide"]) > 1 else ""
        reasons.append(f"wider than the viewport: {w['what']} spans {w['left']}…{w['right']} px{more}")
    if m["small"]:
        s = m["small"][0]
        reasons.append(
            f"text smaller than {MIN_TEXT_PX:g} px: {m['smallCount']} texts, smallest {s['px']:.1f} px "
            f"({s['text']!r} in {s['where']})")
    return reasons


# --- The check of the check: pages with one known fault each, and two that must pass.

HEAD = '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">' \
       '<title>t</title></head><body style="font-size:14px">'
SVG_READABLE = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100"><text x="5" y="50" ' \
               'font-size="12">readable</text></svg>'
SVG_TINY = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 500"><text x="5" y="50" ' \
           'font-size="12">tiny</text></svg>'
FIXTURES = {
    # name: (body, files beside it, reasons expected at 1400 px, at 400 px)
    "good": ('<p id="top">text</p><a href="#top">up</a> <a href="readable.svg"><img src="readable.svg" '
             'style="width:100%;max-width:300px"></a>' + SVG_READABLE.replace("<svg", '<svg width="300"')
             + '<a href="https://doi.org/10.0/x">paper</a>', {"readable.svg": SVG_READABLE}, [], []),
    "scroller": ('<div style="overflow-x:auto"><table><tr><td style="min-width:1800px">wide</td></tr></table></div>',
                 {}, [], []),
    "plot-scroll": ('<div style="overflow-x:auto"><svg width="1800" height="100" viewBox="0 0 1800 100">'
                    '<text x="5" y="50" font-size="12">wide plot</text></svg></div>', {},
                    ["wider than the viewport: svg"], ["wider than the viewport: svg"]),
    "console": ("<script>console.error('boom')</script><p>x</p>", {}, ["console error: boom"],
                ["console error: boom"]),
    "exception": ("<script>null.x</script><p>x</p>", {}, ["exception"], ["exception"]),
    "network": ('<img src="http://127.0.0.1:9/x.png" alt="x">', {}, ["request outside the report", "from the network"],
                ["request outside the report"]),
    "broken": ('<a href="missing.svg">m</a> <a href="#nowhere">n</a> <img src="gone.png" alt="g">', {},
               ["broken a 'missing.svg'", "broken link '#nowhere'", "broken img 'gone.png'", "did not load"],
               ["broken a 'missing.svg'"]),
    "named": ('<p>The plot is plots/none.svg (see plots/here.svg, not Docs/Claims.md).</p>',
              {"plots/here.svg": SVG_READABLE}, ["names 'plots/none.svg'"], ["names 'plots/none.svg'"]),
    "wide": ('<div style="width:1600px">wide</div>', {}, ["wider than the viewport", "px wide in a"],
             ["wider than the viewport"]),
    "small": ('<p style="font-size:7px">small</p>', {}, ["text smaller than 9 px", "'small'"], ["'small'"]),
    "svg-img": ('<img src="tiny.svg" style="width:300px">', {"tiny.svg": SVG_TINY}, ["'tiny' in tiny.svg"],
                ["'tiny' in tiny.svg"]),
    "svg-inline": ('<div style="width:200px">' + SVG_TINY + "</div>", {}, ["'tiny' in inline svg"],
                   ["'tiny' in inline svg"]),
    "no-viewport": (None, {}, [], ["no <meta name=viewport>", "text smaller than 9 px"]),
}


def self_test(browser, directory):
    """Failures of the check on its fixtures (empty when it finds exactly what each page holds)."""
    os.makedirs(directory, exist_ok=True)
    problems = []
    for name, (body, files, *expected) in FIXTURES.items():
        page = os.path.join(directory, name + ".html")
        with open(page, "w") as f:
            if body is None:
                f.write('<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>'
                        '<p>a page for a desktop</p></body></html>')
            else:
                f.write(HEAD + body + "</body></html>")
        for file, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(directory, file)), exist_ok=True)
            with open(os.path.join(directory, file), "w") as f:
                f.write(text)
        for (width, height, mobile), want in zip(WIDTHS, expected):
            shot = os.path.join(directory, f"{name}-{width}.png")
            reasons = check_page(browser, page, os.path.realpath(directory), width, height, mobile, shot)
            text = "; ".join(reasons)
            if not want and reasons:
                problems.append(f"{name} @ {width} px should pass but: {text}")
            for w in want:
                if w not in text:
                    problems.append(f"{name} @ {width} px: expected {w!r}, got: {text or 'PASS'}")
    return problems


# --- Making the reports.


def make_reports(convdyn, runs, kinds, log):
    """{kind: directory} of the reports made; a command that fails is an error of the check."""

    def run(*args):
        log.write("$ " + " ".join(args) + "\n")
        log.flush()
        try:
            done = subprocess.run(list(args), stdout=log, stderr=log, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise CheckError(f"`{' '.join(args)}`: {e}")
        # verify exits 1 when a claim fails: the page is still what is checked.
        if done.returncode not in (0, 1) or (done.returncode == 1 and args[1] != "verify"):
            raise CheckError(f"`{' '.join(args)}` exited {done.returncode} (see {log.name})")

    made = {}
    if "run" in kinds:
        d = os.path.join(runs, "run")
        run(convdyn, "train", "--preset", "kp-bench", "--seed", "0", "--out", d, "--quiet")
        run(convdyn, "report", d)
        made["run"] = d
    if "runs" in kinds:
        d = os.path.join(runs, "demo")
        run(convdyn, "demo", "--seeds", "3", "--out", d)
        made["runs"] = d
    if "images" in kinds:
        if os.path.exists(os.path.join(FASHION, "train-images-idx3-ubyte.gz")):
            d = os.path.join(runs, "images")
            run(convdyn, "demo", "--images", "--train-size", "2000", "--out", d)
            made["images"] = d
        else:
            print(f"SKIP images: no Fashion-MNIST files in {FASHION}")
    if "sweep" in kinds:
        spec = os.path.join(runs, "sweep.yaml")
        with open(spec, "w") as f:
            f.write("preset: kp-bench\nseeds: 2\nset:\n  steps: 400\ngrid:\n  sigma: [0.05, 0.2]\n"
                    "success: testAccuracy>=0.95\n")
        d = os.path.join(runs, "sweep")
        run(convdyn, "sweep", spec, "--out", d)
        made["sweep"] = d
    if "verify" in kinds:
        d = os.path.join(runs, "verify")
        run(convdyn, "verify", "A1", "--seeds", "3", "--out", d)
        made["verify"] = d
    return made


def pages_of(directory):
    """Every HTML page under `directory`, the top one first."""
    found = []
    for base, dirs, files in os.walk(directory):
        dirs.sort()
        found += [os.path.join(base, f) for f in sorted(files) if f.endswith(".html")]
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("convdyn", help="the convdyn executable")
    parser.add_argument("outdir", help="where the runs, screenshots and log go")
    parser.add_argument("--kinds", default=",".join(KINDS), help="the kinds of report to make")
    parser.add_argument("--pages", nargs="+", help="check these HTML files instead of making reports")
    parser.add_argument("--self-test", action="store_true", help="check the check on pages with known faults")
    parser.add_argument("--browser", default=os.environ.get("CHROMIUM", "chromium"), help="the chromium executable")
    args = parser.parse_args()

    kinds = args.kinds.split(",")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown kinds {', '.join(unknown)}; the kinds are {','.join(KINDS)}")
    out = os.path.abspath(args.outdir)
    shots = os.path.join(out, "screenshots")
    os.makedirs(shots, exist_ok=True)
    browser_path = shutil.which(args.browser)
    if not browser_path:
        print(f"browser-check: no {args.browser} on PATH (apt-get install chromium)", file=sys.stderr)
        return 2
    try:
        if args.self_test:
            browser = Browser(browser_path)
            try:
                problems = self_test(browser, os.path.join(out, "self-test"))
            finally:
                browser.stop()
            for p in problems:
                print("self-test: " + p)
            print(f"self-test: {len(FIXTURES)} pages, " + ("FAIL" if problems else "every fault found"))
            if problems:
                return 1
            if not args.convdyn:
                return 0
        if args.pages:
            pages = [(os.path.abspath(p), os.path.dirname(os.path.abspath(p))) for p in args.pages]
        else:
            runs = os.path.join(out, "runs")
            if os.path.exists(runs):
                shutil.rmtree(runs)
            os.makedirs(runs)
            with open(os.path.join(out, "make-reports.log"), "w") as log:
                made = make_reports(os.path.abspath(args.convdyn), runs, kinds, log)
            pages = [(p, os.path.realpath(d)) for d in made.values() for p in pages_of(d)]
        if not pages:
            print("browser-check: no pages to check", file=sys.stderr)
            return 2
        failed = 0
        browser = Browser(browser_path)
        try:
            for page, root in pages:
                name = os.path.relpath(page, out) if page.startswith(out + os.sep) else page
                for width, height, mobile in WIDTHS:
                    slug = re.sub(r"[^A-Za-z0-9]+", "-", os.path.relpath(page, os.path.join(out, "runs"))
                                  if page.startswith(out + os.sep) else page).strip("-")
                    shot = os.path.join(shots, f"{slug}-{width}.png")
                    reasons = check_page(browser, page, os.path.realpath(root), width, height, mobile, shot)
                    if reasons:
                        failed += 1
                        print(f"FAIL {name} @ {width} px: " + "; ".join(reasons))
                    else:
                        print(f"PASS {name} @ {width} px")
                    sys.stdout.flush()
        finally:
            browser.stop()
    except CheckError as e:
        print(f"browser-check: {e}", file=sys.stderr)
        return 2
    print(f"{len(pages) * len(WIDTHS) - failed} of {len(pages) * len(WIDTHS)} page renderings pass; "
          f"screenshots in {shots}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
