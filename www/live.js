//! The live view of one run: a grid of test digits with the network's current
//! predictions, and the 10×10 confusion matrix on the whole test split.
//!
//! The digits are a fixed sample of the test split (the same for every run, so
//! runs can be compared image by image), spread evenly over it. Pixels come
//! from the wasm `testImages` (784 grayscale bytes each), asked once from any
//! live worker and kept; predictions and the matrix come from the selected
//! run's worker after each of its epochs, or from its last snapshot when it
//! has ended. Everything is written with textContent and ImageData: no HTML
//! strings, so nothing from a URL can become markup here.

export const SAMPLE_SIZE = 24;
const SIDE = 28;

/** `SAMPLE_SIZE` test indices spread over a test split of `nTest` images. */
export function sampleIndices(nTest) {
  const n = Math.max(1, nTest | 0);
  const count = Math.min(SAMPLE_SIZE, n);
  const stride = n / count;
  // Offset by a third of a stride so the sample does not start at each class's first image.
  return Array.from({ length: count }, (_, i) => Math.min(n - 1, Math.floor(i * stride + stride / 3)));
}

export class LiveView {
  /** @param {{digits: HTMLOListElement, confusion: HTMLTableElement, caption: HTMLElement}} els */
  constructor(els) {
    this.els = els;
    this.images = null; // Uint8Array, 784 bytes per sample image
    this.cells = [];
    this.buildDigits();
    this.buildConfusion();
    this.clear("Run the experiment to see what the network predicts.");
  }

  buildDigits() {
    const list = this.els.digits;
    list.replaceChildren();
    for (let i = 0; i < SAMPLE_SIZE; i++) {
      const li = document.createElement("li");
      li.className = "digit";
      const canvas = document.createElement("canvas");
      canvas.width = SIDE;
      canvas.height = SIDE;
      canvas.setAttribute("aria-hidden", "true");
      const label = document.createElement("span");
      label.className = "digit-label";
      const truth = document.createElement("span");
      truth.className = "digit-truth";
      li.append(canvas, label, truth);
      list.append(li);
      this.cells.push({ li, canvas, label, truth });
    }
  }

  buildConfusion() {
    const t = this.els.confusion;
    t.replaceChildren();
    const thead = t.createTHead();
    const top = thead.insertRow();
    const corner = document.createElement("th");
    corner.className = "corner";
    corner.scope = "col";
    const cornerText = document.createElement("span");
    cornerText.className = "sr-only";
    cornerText.textContent = "true digit (rows) by predicted digit (columns)";
    corner.append(cornerText);
    top.append(corner);
    for (let p = 0; p < 10; p++) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = String(p);
      top.append(th);
    }
    const tbody = t.createTBody();
    this.matrixCells = [];
    for (let y = 0; y < 10; y++) {
      const row = tbody.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = String(y);
      row.append(th);
      const cells = [];
      for (let p = 0; p < 10; p++) {
        const td = row.insertCell();
        td.className = p === y ? "diag" : "off";
        cells.push(td);
      }
      this.matrixCells.push(cells);
    }
  }

  /** Whether the pixels are known (asked once). */
  get hasImages() {
    return this.images !== null;
  }

  setImages(bytes) {
    this.images = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    this.cells.forEach((c, i) => this.paint(c.canvas, i));
  }

  paint(canvas, i) {
    if (!this.images || this.images.length < (i + 1) * SIDE * SIDE) return;
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(SIDE, SIDE);
    for (let p = 0; p < SIDE * SIDE; p++) {
      // Ink dark on paper light: the digit reads like handwriting.
      const v = 255 - this.images[i * SIDE * SIDE + p];
      img.data[4 * p] = v;
      img.data[4 * p + 1] = v;
      img.data[4 * p + 2] = v;
      img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }

  clear(message) {
    this.els.caption.textContent = message;
    for (const c of this.cells) {
      c.li.classList.remove("wrong", "right");
      c.label.textContent = "";
      c.truth.textContent = "";
      c.li.removeAttribute("aria-label");
    }
    for (const row of this.matrixCells) {
      for (const td of row) {
        td.textContent = "";
        td.style.removeProperty("--share");
        td.classList.remove("dark");
      }
    }
  }

  /**
   * Shows a run's predictions and confusion matrix.
   * @param {string} caption
   * @param {{preds: number[], labels: number[]}|null} predict
   * @param {number[][]|null} confusion
   */
  show(caption, predict, confusion) {
    this.els.caption.textContent = caption;
    if (predict) {
      this.cells.forEach((c, i) => {
        const pred = predict.preds[i];
        const truth = predict.labels[i];
        if (pred === undefined) return;
        const wrong = pred !== truth;
        c.li.classList.toggle("wrong", wrong);
        c.li.classList.toggle("right", !wrong);
        c.label.textContent = String(pred);
        c.truth.textContent = wrong ? `true ${truth}` : "";
        c.li.setAttribute(
          "aria-label",
          wrong ? `predicted ${pred}, wrong: it is a ${truth}` : `predicted ${pred}, correct`,
        );
      });
    }
    if (confusion) {
      confusion.forEach((row, y) => {
        const total = row.reduce((a, b) => a + b, 0) || 1;
        row.forEach((count, p) => {
          const td = this.matrixCells[y]?.[p];
          if (!td) return;
          td.textContent = String(count);
          // Shade by the share of the true class: comparable across classes of different sizes.
          const share = count / total;
          td.style.setProperty("--share", share.toFixed(3));
          td.classList.toggle("dark", p === y ? share > 0.55 : share > 0.3);
        });
      });
    }
  }
}
