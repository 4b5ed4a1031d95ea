"""Reports as their readers see them: headless Chromium driven by Selenium, for screenshots
and for the tests that check the pages (layout, links, print and dark styles).

Needs Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium``,
``/usr/bin/chromedriver``; ``TALENTKIT_CHROMIUM`` and ``TALENTKIT_CHROMEDRIVER`` point
elsewhere). Nothing is fetched from the network: Selenium is given the driver, so its
manager never downloads one.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from ..core.errors import ParameterError, require_extra

WIDTH = 1280  # px: the width every check and screenshot uses
MAX_HEIGHT = 30_000  # px: a full-page screenshot is cut here

# What a page shows to a reader at its width: elements that stick out past the right edge (not
# inside a box that scrolls), links of the table of contents whose heading is missing, table
# headers, table cells, images without a text alternative.
PAGE_FACTS_JS = r"""
const W = document.documentElement.clientWidth;
const scrolls = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const s = getComputedStyle(p).overflowX; if (s === 'auto' || s === 'scroll' || s === 'hidden') return true; }
  return false; };
const overflow = [];
for (const el of document.querySelectorAll('body *')) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.right <= W + 1 || scrolls(el)) continue;
  overflow.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
}
const toc = [...document.querySelectorAll('nav.tk-toc a')].map(a => a.getAttribute('href'));
const broken = toc.filter(h => !document.getElementById(h.slice(1)) && !document.getElementById(decodeURIComponent(h.slice(1))));
return {width: W, scrollWidth: document.documentElement.scrollWidth, overflow: overflow.slice(0, 20),
        toc: toc, broken: broken,
        headers: [...document.querySelectorAll('table th')].map(t => t.innerText.trim()).filter(t => t),
        cells: [...document.querySelectorAll('table td')].map(t => t.innerText.trim()),
        images: [...document.querySelectorAll('img')].map(i => i.getAttribute('alt')),
        background: getComputedStyle(document.body).backgroundColor,
        tocDisplay: document.querySelector('nav.tk-toc') ? getComputedStyle(document.querySelector('nav.tk-toc')).display : null,
        requests: performance.getEntriesByType('resource').map(e => e.name)
                    .filter(n => !n.startsWith('data:') && !n.startsWith('file:')),
        print: matchMedia('print').matches, dark: matchMedia('(prefers-color-scheme: dark)').matches};
"""


def executables() -> tuple[str, str]:
    """Paths of Chromium and ChromeDriver, or a :class:`ParameterError` saying how to install them."""
    chromium = os.environ.get("TALENTKIT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver = os.environ.get("TALENTKIT_CHROMEDRIVER") or shutil.which("chromedriver")
    if not chromium or not driver:
        missing = " and ".join(n for n, p in (("chromium", chromium), ("chromedriver", driver)) if not p)
        raise ParameterError(f"{missing} not found: install Debian's packages (apt-get install chromium chromium-driver) "
                             "or set TALENTKIT_CHROMIUM / TALENTKIT_CHROMEDRIVER to their paths")
    return chromium, driver


@contextlib.contextmanager
def chromium(width: int = WIDTH, height: int = 900, offline: bool = True):
    """A headless Chromium (Selenium WebDriver) at ``width`` × ``height``, closed afterwards.
    ``offline``: every request goes to a closed proxy (a report must not need the network);
    ``False`` for a page served on this machine (JupyterLab in the tests)."""
    require_extra("browser", "headless Chromium (screenshots and page checks)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = executables()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    profile = tempfile.mkdtemp(prefix="talentkit-chromium-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", f"--user-data-dir={profile}", f"--window-size={width},{height}",
                 "--force-device-scale-factor=1"):
        options.add_argument(flag)
    if offline:
        options.add_argument("--proxy-server=http://127.0.0.1:9")  # a closed port: nothing is fetched
        options.add_argument("--proxy-bypass-list=<-loopback>")
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        driver.set_window_size(width, height)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, page: str | Path, media: str = "screen", scheme: str = "light") -> dict:
    """Load ``page`` (a file) under the given media (``screen`` or ``print``) and colour scheme;
    return :data:`PAGE_FACTS_JS`'s facts about it."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "media": "" if media == "screen" else media,
        "features": [{"name": "prefers-color-scheme", "value": scheme}]})
    driver.get(Path(page).resolve().as_uri())
    wait_until_loaded(driver)
    return driver.execute_script(PAGE_FACTS_JS)


def wait_until_loaded(driver, timeout: float = 60.0) -> None:
    """Wait until the page is parsed and loaded (``document.readyState`` complete): on a loaded
    machine a large report was once read before its last headings were (contents links "broken")."""
    import time

    deadline = time.monotonic() + timeout
    while driver.execute_script("return document.readyState") != "complete" and time.monotonic() < deadline:
        time.sleep(0.05)


def full_page_png(driver, path: str | Path, width: int = WIDTH) -> Path:
    """The loaded page as one PNG at ``width``, as tall as the page (cut at ``MAX_HEIGHT``)."""
    height = min(int(driver.execute_script("return document.documentElement.scrollHeight")), MAX_HEIGHT)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    path = Path(path)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def pdf_pages(driver) -> int:
    """Pages of the loaded page printed to PDF (Chromium's print, with the print styles)."""
    pdf = base64.b64decode(driver.print_page())
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") if pdf.startswith(b"%PDF") else 0


def screenshots(run_dir: str | Path, out: str | Path | None = None, width: int = WIDTH) -> list[Path]:
    """A full-page PNG of the run's ``index.html`` and of each job's ``report.html`` at
    ``width`` px, in ``out`` (default ``<run>/screenshots``): ``index.png``, ``<job>.png``."""
    run_dir = Path(run_dir)
    if not (run_dir / "index.html").is_file():
        raise ParameterError(f"{run_dir}: no index.html here; give a run folder written by 'talentkit run'")
    out = Path(out) if out is not None else run_dir / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    pages = [("index", run_dir / "index.html")] + [(p.parent.name, p) for p in sorted(run_dir.glob("*/report.html"))]
    saved = []
    with chromium(width) as driver:
        for name, page in pages:
            open_page(driver, page)
            saved.append(full_page_png(driver, out / f"{name}.png", width))
    return saved
