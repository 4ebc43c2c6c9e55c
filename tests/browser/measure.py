"""Measures taken in the browser: what a person sees, not what the DOM says.

`low_contrast` walks every element that shows text and computes the WCAG contrast ratio
of its computed colour against the colours painted under it (backgrounds and opacity of
its ancestors, composited as Chromium paints nested boxes).  `frames` pins every running
animation at a moment, so a flash is measured in each of its states.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

WCAG_AA = 4.5
"""The least contrast ratio for text (WCAG 2.x AA, normal size)."""

_LOW_CONTRAST = """(least) => {
  const parse = (css) => {
    const m = css.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  // The colour of one pixel inside the innermost box, its ancestors painted under it and
  // each one's opacity applied to its whole group (nested boxes, no siblings overlapping).
  const paint = (chain, text) => {
    let layer = text;
    for (let i = chain.length - 1; i >= 0; i--) {
      const style = getComputedStyle(chain[i]);
      layer = over(layer, parse(style.backgroundColor));
      layer = [layer[0], layer[1], layer[2], layer[3] * Number(style.opacity)];
    }
    return over(layer, [255, 255, 255, 1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const found = [];
  for (const node of document.querySelectorAll("body *")) {
    const own = [...node.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !node.checkVisibility({ opacityProperty: false, visibilityProperty: true })) continue;
    const box = node.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const chain = [];
    for (let n = node; n; n = n.parentElement) chain.unshift(n);
    const fg = paint(chain, parse(getComputedStyle(node).color));
    const bg = paint(chain, [0, 0, 0, 0]);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < least) {
      const name = node.id ? `#${node.id}` : `${node.tagName.toLowerCase()}.${[...node.classList].join(".")}`;
      found.push({ element: name, text: node.textContent.trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100 });
    }
  }
  return found;
}"""

_PIN_ANIMATIONS = """(at) => {
  for (const animation of document.getAnimations()) {
    animation.pause();
    animation.currentTime = at;
  }
}"""


def low_contrast(page: Page, least: float = WCAG_AA) -> list[dict[str, Any]]:
    """Every visible text whose contrast ratio with what is painted under it is below `least`."""
    found: list[dict[str, Any]] = page.evaluate(_LOW_CONTRAST, least)
    return found


def pin_animations(page: Page, at_ms: float) -> None:
    """Pause every running animation at `at_ms` into it (one state of a flash)."""
    page.evaluate(_PIN_ANIMATIONS, at_ms)


def outside(page: Page, selector: str, bottom_selector: str | None = None) -> list[str]:
    """The elements of `selector` not wholly inside the viewport (and above the top of
    `bottom_selector`, when given), with their boxes."""
    result: list[str] = page.evaluate(
        """([selector, bottomSelector]) => {
          const limit = bottomSelector
            ? document.querySelector(bottomSelector).getBoundingClientRect().top
            : innerHeight;
          return [...document.querySelectorAll(selector)].flatMap((node) => {
            const r = node.getBoundingClientRect();
            const inside = r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5
              && r.bottom <= Math.min(limit, innerHeight) + 0.5;
            // Cut across, or cut down where the box hides its overflow (a line box's
            // leading may stick out of a box that shows it: nothing is cut then).
            const hides = getComputedStyle(node).overflowY !== "visible";
            const clipped = node.scrollWidth > node.clientWidth + 1
              || (hides && node.scrollHeight > node.clientHeight + 1);
            return inside && !clipped ? [] : [`${node.className} ${node.textContent}: ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.right)},${Math.round(r.bottom)}${clipped ? " (its text cut)" : ""}`];
          });
        }""",
        [selector, bottom_selector],
    )
    return result


def overlap(page: Page, first: str, second: str) -> bool:
    """Whether the boxes of two elements overlap."""
    result: bool = page.evaluate(
        """([first, second]) => {
          const a = document.querySelector(first).getBoundingClientRect();
          const b = document.querySelector(second).getBoundingClientRect();
          return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        }""",
        [first, second],
    )
    return result
