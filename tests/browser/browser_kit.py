"""What the browser tests share: where the tools are, axe, and the login steps."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from station_server import STAFF_PASSWORD, STAFF_USER

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("STATION_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = HERE / "artifacts"
IDLE_SECONDS = 20  # the kiosk idle timeout in these tests: short, yet no page of a slow CI run goes idle mid-step


def login_with_vneid(page: Any, base: str, account: int = 0) -> None:
    """Log in on ``page`` through the simulated VNeID app opened in a second tab."""
    page.goto(base + "/login/vneid")
    phone_url = page.get_attribute("#vneid-phone-link", "href")
    phone = page.context.new_page()
    phone.goto(base + phone_url)
    phone.check(f"input[name=account][value='{account}']")
    phone.click("#approve")
    phone.wait_for_selector("#approved")
    phone.close()
    page.wait_for_url(re.compile(r".*/$"))
    page.wait_for_selector("#my-data-link")


def place_card(context: Any, base: str, card: str) -> None:
    """Choose the card on the simulated reader (``"0"``…, or ``"none"``) in another tab."""
    reader = context.new_page()
    reader.goto(base + "/sim/card-reader")
    reader.check(f"input[name=card][value='{card}']")
    reader.click("#place-card")
    reader.wait_for_load_state()
    reader.close()


def login_staff(page: Any, base: str) -> None:
    """Log the test manager in to the console."""
    page.goto(base + "/staff/login")
    page.fill("#staff-username", STAFF_USER)
    page.fill("#staff-password", STAFF_PASSWORD)
    page.click("#staff-submit")
    page.wait_for_url(re.compile(r".*/console/$"))


def finish(page: Any) -> None:
    """Press "finish and forget me"."""
    page.click("#finish-form button[type=submit]")
    page.wait_for_selector("#login-link")


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page (WCAG 2.1 A/AA rules).

    axe is evaluated through the DevTools protocol, so the page's strict CSP stays on.
    """
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


# ---------------------------------------------------------------------------------------------
# One check for every page state of a journey (issue 14, "Must show")

ENGLISH_WORDS = HERE / "english_words.txt"
PROPER_NAMES = HERE / "proper_names.txt"
SHOTS_ENV = "STATION_SCREENSHOTS"  # set (to 1 or a folder) to write docs/screenshots/journeys/
MIN_TARGET = 44  # CSS px, WCAG 2.5.5 (AAA) — the station's own rule is 48 for its buttons

_TARGETS_JS = """(min) => {
  const visible = e => {
    if (e.closest('[hidden], [inert], [aria-hidden=true]')) return false;
    const s = getComputedStyle(e);
    if (s.visibility === 'hidden' || s.display === 'none') return false;
    const r = e.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const inlineTextLink = e => e.tagName === 'A' && getComputedStyle(e).display === 'inline'
      && e.parentElement && e.parentElement.textContent.trim() !== e.textContent.trim();
  const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
      + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
      + (e.getAttribute('name') ? `[name=${e.getAttribute('name')}]` : '')
      + ' "' + (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 30) + '"';
  const small = [];
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])';
  for (const e of document.querySelectorAll(sel)) {
    if (inlineTextLink(e)) continue;
    let box = e;
    if (e.tagName === 'INPUT' && (e.type === 'checkbox' || e.type === 'radio')) {
      box = e.closest('label') || (e.id && document.querySelector(`label[for="${e.id}"]`)) || e;
    }
    if (!visible(e) && !(box !== e && visible(box))) continue;
    const r = box.getBoundingClientRect();
    if (r.width + 0.5 < min || r.height + 0.5 < min) small.push(`${describe(e)} ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  return small;
}"""

_TEXT_JS = """() => {
  const skip = 'script, style, noscript, template, code, pre, kbd, samp, [lang]:not([lang|=vi]), [translate=no], [hidden], [aria-hidden=true]';
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || el.closest(skip)) continue;
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') continue;
    parts.push(node.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], input[type=submit][value], input[type=button][value]')) {
    if (el.closest(skip)) continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (el.getAttribute(a)) parts.push(el.getAttribute(a));
    if (el.tagName === 'INPUT' && (el.type === 'submit' || el.type === 'button')) parts.push(el.value);
  }
  return parts.join('\\n');
}"""


def _word_list(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def watch_console(page: Any) -> Any:
    """Record CSP violations and script errors of ``page`` in ``page.problems`` (once)."""
    if not hasattr(page, "problems"):
        page.problems = []
        page.on("console", lambda msg: page.problems.append(msg.text)
                if msg.type == "error" and ("Content Security Policy" in msg.text or "Uncaught" in msg.text)
                else None)
        page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
    return page


def english_on_vietnamese_page(page: Any) -> list[str]:
    """Common English UI words in the visible text of a page whose ``lang`` is ``vi``
    (proper names and brands of ``proper_names.txt`` excepted)."""
    if (page.get_attribute("html", "lang") or "").split("-")[0] != "vi":
        return []
    text = re.sub(r"\b(?:https?://|www\.)\S+", " ", page.evaluate(_TEXT_JS))  # addresses are not words
    for name in sorted(_word_list(PROPER_NAMES), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text)
    english = {w.lower() for w in _word_list(ENGLISH_WORDS)}
    found: dict[str, str] = {}
    for line in text.splitlines():
        for word in re.findall(r"[^\W\d_]+", line):
            if word.lower() in english and word.lower() not in found:
                found[word.lower()] = line.strip()[:80]
    return [f"{word!r} in {line!r}" for word, line in found.items()]


def page_problems(page: Any, axe: bool = True) -> list[str]:
    """Everything wrong with the current state of ``page`` for a citizen at the kiosk."""
    problems: list[str] = []
    if axe:
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
        violations = page.evaluate("""async () => {
            const r = await axe.run(document);
            return r.violations.map(v => `${v.id} (${v.impact}): ` + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
        }""")
        problems += [f"axe {v}" for v in violations]
    problems += [f"target smaller than {MIN_TARGET}px: {t}" for t in page.evaluate(_TARGETS_JS, MIN_TARGET)]
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
        problems.append("the page scrolls sideways")
    problems += [f"English on a Vietnamese page: {e}" for e in english_on_vietnamese_page(page)]
    problems += [f"console: {p}" for p in getattr(page, "problems", [])]
    return problems


def _save_small_png(png: bytes, path: Path) -> None:
    """A screenshot for docs/: 256 colours are plenty for a page and a third of the size."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def assert_page_ok(page: Any, shot: str | None = None, axe: bool = True) -> None:
    """Assert the current page state is usable at the kiosk: no axe-core violation of any
    impact, every target that is not an inline text link at least 44×44 CSS px, nothing
    scrolling sideways, no CSP violation or script error in the console, no English on a
    Vietnamese page. With ``STATION_SCREENSHOTS`` set, ``shot`` names a full-page screenshot
    written to docs/screenshots/journeys/ (or the folder the variable names)."""
    page.wait_for_load_state()
    if shot and os.environ.get(SHOTS_ENV):
        folder = os.environ[SHOTS_ENV]
        out = Path(folder) if folder not in ("1", "true", "yes") else HERE.parents[1] / "docs" / "screenshots" / "journeys"
        out.mkdir(parents=True, exist_ok=True)
        _save_small_png(page.screenshot(full_page=True), out / f"{shot}.png")
    problems = page_problems(page, axe=axe)
    assert not problems, f"{page.url}:\n  " + "\n  ".join(problems)
