//! Notices above the page (URL problems, load failures): bounded, text only.
//!
//! However many problems a link has, at most `max` notices are shown, followed by
//! one "and N more" line; every part of a problem (key, value, message) is shortened
//! before it becomes text (`errorText`), so a 200 KB key is a few dozen characters
//! here. A notice may carry a key: adding another notice with the same key replaces
//! it, so one failure shows one message (the data download's, with its Retry
//! button). Everything is written with textContent, never as HTML.

export const MAX_NOTICES = 3;
const LIMITS = { param: 40, value: 60, message: 200 };

/** `s` cut to at most `n` characters (an ellipsis marks the cut). */
export function shorten(s, n) {
  const t = String(s ?? "");
  return t.length <= n ? t : `${t.slice(0, Math.max(0, n - 1))}…`;
}

/** A notice's text for an error object from parseQuery / readQuery, every part shortened. */
export function errorText(e) {
  const value =
    e.value === undefined || e.value === null || e.value === "" ? "" : ` = “${shorten(e.value, LIMITS.value)}”`;
  return `${shorten(e.param, LIMITS.param)}${value}: ${shorten(e.message, LIMITS.message)}`;
}

/**
 * What to show of `count` problems of which the first `items` are known: the first
 * `max` items, and how many more there are (`more` counts problems not even listed).
 */
export function visibleNotices(items, more = 0, max = MAX_NOTICES) {
  return { shown: items.slice(0, max), hidden: Math.max(0, items.length - max) + more };
}

export class Notices {
  /** @param {HTMLElement} box  the notices container (a status live region) */
  constructor(box, max = MAX_NOTICES) {
    this.box = box;
    this.max = max;
    this.more = 0; // problems counted but not shown
    this.moreLine = null;
  }

  /**
   * Shows a notice, unless `max` are already shown (then it is counted in "and N more").
   * @param {string} text
   * @param {{kind?: "warn"|"error", key?: string, action?: {label: string, run: () => void}}} [opts]
   */
  add(text, { kind = "warn", key, action } = {}) {
    const old = key ? this.find(key) : null;
    if (!old && this.count() >= this.max) {
      this.addMore(1);
      return null;
    }
    const p = document.createElement("p");
    p.className = `notice notice-${kind}`;
    if (key) p.dataset.key = key;
    const span = document.createElement("span");
    span.textContent = shorten(text, 400);
    p.append(span);
    if (action) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "notice-action";
      b.textContent = action.label;
      b.addEventListener("click", () => {
        p.remove();
        action.run();
      });
      p.append(b);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.className = "notice-close";
    close.setAttribute("aria-label", "Dismiss this notice");
    close.textContent = "×";
    close.addEventListener("click", () => p.remove());
    p.append(close);
    if (old) old.replaceWith(p);
    else if (this.moreLine) this.moreLine.before(p);
    else this.box.append(p);
    return p;
  }

  /** Counts `n` further problems in the "and N more" line. */
  addMore(n) {
    if (n <= 0) return;
    this.more += n;
    if (!this.moreLine) {
      this.moreLine = document.createElement("p");
      this.moreLine.className = "notice notice-more";
      this.box.append(this.moreLine);
    }
    this.moreLine.textContent = `… and ${this.more.toLocaleString("en")} more problem${this.more === 1 ? "" : "s"} in the link.`;
  }

  /** Removes the notice with this key, if shown. */
  remove(key) {
    this.find(key)?.remove();
  }

  find(key) {
    return [...this.box.querySelectorAll("p.notice[data-key]")].find((p) => p.dataset.key === key) ?? null;
  }

  count() {
    return this.box.querySelectorAll("p.notice:not(.notice-more)").length;
  }
}
