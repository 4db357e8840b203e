"""Accessibility and small screens on every persona's main pages, on the demo.

axe-core (npm, tests/node/axe-core, installed by `make node-deps`) is injected from its
file by Playwright: no serious or critical violation on any page. At 390 px wide no
page scrolls sideways (document.documentElement.scrollWidth <= innerWidth)."""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import QuestionType
from org.models import User
from pathways.progress import selectors
from tests.assessments.factories import quiz_with

pytestmark = pytest.mark.e2e

AXE = (
    Path(__file__).resolve().parents[1]
    / "node"
    / "axe-core"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

AXE_RUN = """async () => {
  const result = await axe.run(document);
  return {
    passed: result.passes.length,
    violations: result.violations
      .filter(v => v.impact === "serious" || v.impact === "critical")
      .map(v => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))})),
  };
}"""

# The outermost elements that stick out of the window (not those inside a box that
# scrolls or clips them), to say what makes a page scroll sideways.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const contained = el => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow !== "visible" && up.getBoundingClientRect().right <= width + 0.5) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 0.5 || box.width === 0 || contained(el)) continue;
    if (el.parentElement && el.parentElement.getBoundingClientRect().right > width + 0.5
        && !contained(el.parentElement)) continue;
    out.push(el.outerHTML.slice(0, 120) + ` right=${Math.round(box.right)}`);
  }
  return out.slice(0, 6);
}"""
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const width = parseFloat(style.outlineWidth) || 0;
  return {
    name: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " +
      JSON.stringify((el.innerText || el.value || "").trim().slice(0, 30)),
    key: el.outerHTML.slice(0, 200),
    ring: (style.outlineStyle !== "none" && width >= 2) || style.boxShadow !== "none",
  };
}"""
MAX_TAB_STOPS = 80


@pytest.fixture
def demo_quiz(demo_org):
    """A quiz on the demo learner's next module (the demo's modules have none of their own
    for every module), so that a quiz in progress and a result can be opened."""
    learner = User.objects.get(email="learner@demo.example")
    home = selectors.learner_home(user=learner, today=timezone.localdate())
    module = home.current.next_item.item.module
    quiz_with([QuestionType.SINGLE], slug="a11y-module-quiz", title="Module quiz", module=module)
    return module


@pytest.fixture
def audit_page(browser, live_server):
    """A page in its own browser context that may inject axe-core whatever the site's
    Content-Security-Policy says (bypass_csp applies to the injected file only)."""
    context = browser.new_context(bypass_csp=True, viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, live_server, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("trellis-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)


class Audit:
    """Checks pages and keeps every problem, so that one run names them all."""

    def __init__(self, page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.checked: list[str] = []

    def check(self, name: str, url: str | None = None) -> None:
        page = self.page
        url = url or page.url
        page.set_viewport_size(DESKTOP)
        page.goto(url)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(AXE_RUN)
        assert result["passed"] > 10, f"axe checked nothing on {name}"  # it did run
        for violation in result["violations"]:
            self.problems.append(f"{name} ({url}): axe {violation}")
        self.focus_rings(name)
        page.set_viewport_size(PHONE)
        page.goto(url)
        self.fits(name, url)
        # the menu is behind its button; opened, it still fits
        toggle = page.get_by_role("button", name="Menu")
        if toggle.count():
            expect(page.locator("#main-menu")).to_be_hidden()
            toggle.click()
            expect(page.locator("#main-menu")).to_be_visible()
            expect(toggle).to_have_attribute("aria-expanded", "true")
            self.fits(f"{name}, menu open", url)
        page.set_viewport_size(DESKTOP)
        self.checked.append(name)

    def fits(self, name: str, url: str) -> None:
        scroll_width, inner_width = self.page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            wide = self.page.evaluate(OVERFLOW)
            self.problems.append(f"{name} ({url}): {scroll_width} px wide at {inner_width}: {wide}")

    def focus_rings(self, name: str) -> None:
        """Tab through the page's controls: each shows a focus ring (outline or shadow)."""
        seen = set()
        for _ in range(MAX_TAB_STOPS):
            self.page.keyboard.press("Tab")
            focused = self.page.evaluate(FOCUSED)
            if focused is None or focused["key"] in seen:
                break
            seen.add(focused["key"])
            if not focused["ring"]:
                self.problems.append(f"{name}: no visible focus on {focused['name']}")
        if not seen:
            self.problems.append(f"{name}: nothing takes the focus")


def test_main_pages_have_no_serious_violations_and_fit_390_px(audit_page, live_server, demo_quiz):
    page, audit = audit_page, Audit(audit_page)
    module = demo_quiz
    base = live_server.url

    # the learner: /learn/, a pathway, a module, a quiz in progress, a result
    sign_in(page, live_server, "learner@demo.example")
    audit.check("/learn/", f"{base}/learn/")
    page.goto(f"{base}/learn/")
    page.get_by_role("button", name=re.compile(rf"^Resume\W+{re.escape(module.title)}$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(module.title)
    module_url = page.url
    audit.check("module")
    page.goto(module_url)
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name=module.pathway.title
    ).click()
    audit.check("pathway")
    page.goto(module_url)
    page.locator("article.check-step").filter(has_text="Module quiz").get_by_role(
        "button", name="Start"
    ).click()
    expect(page.get_by_role("button", name="Submit answers")).to_be_visible()
    attempt_url = page.url
    audit.check("quiz in progress")
    page.goto(attempt_url)
    page.get_by_label("PSI rises").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("^Score"))).to_be_visible()
    audit.check("result")

    # the author: /author/ and a pathway editor
    sign_in(page, live_server, "author@demo.example")
    audit.check("/author/", f"{base}/author/")
    page.goto(f"{base}/author/")
    page.locator("main a[href*='/author/pathways/']").filter(
        has_not_text=re.compile("new", re.I)
    ).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit.check("pathway editor")

    # the manager: /dashboards/, a cohort dashboard, an incident
    sign_in(page, live_server, "manager@demo.example")
    audit.check("/dashboards/", f"{base}/dashboards/")
    page.goto(f"{base}/dashboards/")
    page.get_by_role("link", name="AI reliability cohort 1").first.click()
    audit.check("cohort dashboard")
    page.goto(f"{base}/incidents/")
    page.locator("main table a[href*='/incidents/']").first.click()
    expect(page).to_have_url(re.compile(r"/incidents/\d+/$"))
    audit.check("incident")

    assert len(audit.checked) == 10
    assert not audit.problems, "\n".join(audit.problems)
