//! A plotters canvas: sizing and throttled redraws around one wasm draw call
//! (`drawChart` for the learning curves and the noise-scale panel,
//! `drawLandscape` for the grid), which draws every panel with the same code as
//! the CLI's SVG. This module computes no scale and draws no line itself.
//!
//! Sizing: the canvas fills its box's width; its CSS height is the `cssHeight` of
//! the view's `layout(cssWidth)` (the wasm `chartLayout` or `landscapeLayout`: the
//! same decision the drawing makes, from the CSS width only). The backing store is
//! CSS size × devicePixelRatio and the draw call gets that ratio as `dpr`, so the
//! picture is the same at every pixel density, only sharper. The draw call's
//! answer, the panels in CSS pixels, is kept on the canvas as `data-layout`.
//!
//! Redraws: `invalidate()` may be called on every worker message; the drawing
//! happens at most every MIN_INTERVAL_MS, in a requestAnimationFrame callback,
//! so a 64-run sweep cannot flood the main thread. A costly picture (a 12 × 12
//! landscape with repeats) is redrawn less often: the interval grows to
//! COST_FACTOR times the last draw's duration (at most MAX_INTERVAL_MS), so
//! throttled redraws take at most about 1/COST_FACTOR of the main thread.

const MIN_INTERVAL_MS = 250;
const MAX_INTERVAL_MS = 2000;
const COST_FACTOR = 50;
export class ChartView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {(canvas: HTMLCanvasElement, dpr: number) => string} paint  draws (wasm), asked at
   *   draw time; answers the panels as JSON `{panels: [{x, y, w, h}]}` in CSS pixels
   * @param {{layout: (cssWidth: number) => string}} opts  the grid for a CSS width, as
   *   JSON `{cols, rows, cssHeight}` (wasm `chartLayout` / `landscapeLayout`)
   */
  constructor(canvas, paint, opts) {
    this.canvas = canvas;
    this.paint = paint;
    this.layout = opts.layout;
    this.lastDraw = -Infinity;
    this.cost = 0; // the last draw's duration, ms
    this.frame = 0;
    this.timer = 0;
    this.drawn = false;
    this.onError = null;
    this.fitHeight = false; // embed=1: keep the chart within the window's height
    this.observer = new ResizeObserver(() => this.invalidate(true));
    this.observer.observe(canvas.parentElement);
  }

  /** The least time between two throttled redraws, from the last draw's cost. */
  interval() {
    return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, COST_FACTOR * this.cost));
  }

  /** Asks for a redraw; `now` skips the throttle (resize, option change). */
  invalidate(now = false) {
    if (now) this.lastDraw = -Infinity;
    if (this.frame || this.timer) {
      if (now && this.timer) {
        clearTimeout(this.timer);
        this.timer = 0;
        this.frame = requestAnimationFrame(() => this.draw());
      }
      return;
    }
    const wait = this.lastDraw + this.interval() - performance.now();
    if (wait <= 0) {
      this.frame = requestAnimationFrame(() => this.draw());
    } else {
      this.timer = setTimeout(() => {
        this.timer = 0;
        this.frame = requestAnimationFrame(() => this.draw());
      }, wait);
    }
  }

  /** Draws now (also used before exporting a PNG). */
  draw() {
    this.frame = 0;
    this.lastDraw = performance.now();
    const box = this.canvas.parentElement;
    if (box.clientWidth === 0) return; // hidden (the other mode's view): drawn when shown
    const cssW = Math.max(280, Math.floor(box.clientWidth));
    let layout;
    try {
      layout = JSON.parse(this.layout(cssW));
    } catch (err) {
      this.onError?.(err);
      return;
    }
    let cssH = layout.cssHeight;
    if (this.fitHeight) {
      // Embedded: the iframe's height is the host's choice; leave room for the toolbar
      // and the few controls below the chart.
      cssH = Math.max(layout.cols === 1 ? 520 : 260, Math.min(cssH, window.innerHeight - 250));
    }
    const dpr = Math.min(3, window.devicePixelRatio || 1);
    const w = Math.round(cssW * dpr);
    const h = Math.round(cssH * dpr);
    this.canvas.style.height = `${cssH}px`;
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    try {
      const t0 = performance.now();
      const drawn = this.paint(this.canvas, dpr);
      this.cost = performance.now() - t0;
      if (typeof drawn === "string") this.canvas.dataset.layout = drawn;
      this.drawn = true;
    } catch (err) {
      this.onError?.(err);
    }
  }

  /** The chart as a PNG Blob (drawn fresh first). */
  async png() {
    this.draw();
    return new Promise((resolve, reject) =>
      this.canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the canvas could not be encoded"))), "image/png"),
    );
  }
}

/**
 * Wraps `fn` so that calling it often runs it at most every `ms`, in an
 * animation frame (the table and summary refresh this way, like the chart).
 */
export function throttledFrame(fn, ms = MIN_INTERVAL_MS) {
  let last = -Infinity;
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    const wait = Math.max(0, last + ms - performance.now());
    setTimeout(
      () =>
        requestAnimationFrame(() => {
          pending = false;
          last = performance.now();
          fn();
        }),
      wait,
    );
  };
}
