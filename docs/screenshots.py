"""The README's screenshots of `kg serve`, taken in headless Chromium: `make screenshots`.

Builds the example corpus into a scratch folder, serves it, and writes PNGs into data/img/.
"""

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

IMAGES = Path(__file__).resolve().parent.parent / "data" / "img"
PAGES = {
    "serve-home.png": "/",
    "serve-answer.png": "/answer/lora-variants-for-task",
    "serve-entity.png": "/entity/method/lora",
    "serve-graph.png": "/graph?focus=method/lora&focus=method/salt",
}


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        build = Path(scratch) / "build"
        subprocess.run([sys.executable, "-m", "kg", "build", "--out", str(build)], check=True)
        server = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--build", str(build), "--port", str(port)])
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(url + "/", timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
                tab = browser.new_page(viewport={"width": 1280, "height": 900})
                for name, path in PAGES.items():
                    tab.goto(url + path)
                    if name == "serve-home.png":
                        tab.locator("#q-lora-variants-for-task summary").click()
                    tab.screenshot(path=str(IMAGES / name))
                    print(f"wrote data/img/{name}")
                browser.close()
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
