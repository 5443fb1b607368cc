//! The form's limits and choices, from the core's parameter table (wasm
//! `paramsTable`): the same datum the core checks a value against and names in
//! its message. index.html writes no range and no option list; this module sets
//! each number box's min and max, fills each select with the parameter's choices,
//! hides a radio whose value the core does not offer, and writes a list's most
//! items into the help text (`<span data-max-items-of="grid_b">`).
//!
//! Only how a choice reads is decided here (CHOICE_LABELS: "SGD + momentum" for
//! `momentum`); a choice without a label shows its own name.

/** How a choice reads in a select, per parameter; absent ones show the choice itself. */
export const CHOICE_LABELS = {
  decay: { none: "none", step: "step (÷ factor at milestones)", cosine: "cosine" },
  opt: { sgd: "SGD", momentum: "SGD + momentum", nesterov: "Nesterov", adam: "Adam", adagrad: "Adagrad" },
  init: { pytorch: "PyTorch", he: "He" },
  norm: { none: "raw pixels", standard: "standardised" },
};

/**
 * What the form takes from the table: for each parameter its number limits
 * (`{min, max}`, either may be null), its choices (`[{value, label}]` or null) and, for
 * a list, its most items (or null).
 * @param {{name: string, kind: string, min: number|null, max: number|null, maxItems?: number|null,
 *          choices: string[]|null}[]} rows
 */
export function formLimits(rows) {
  const out = new Map();
  for (const row of rows) {
    const numeric = row.kind === "int" || row.kind === "float";
    out.set(row.name, {
      kind: row.kind,
      min: numeric && Number.isFinite(row.min) ? row.min : null,
      max: numeric && Number.isFinite(row.max) ? row.max : null,
      choices:
        row.kind === "choice" && Array.isArray(row.choices)
          ? row.choices.map((value) => ({ value, label: CHOICE_LABELS[row.name]?.[value] ?? value }))
          : null,
      maxItems: row.kind === "list" && Number.isFinite(row.maxItems) ? row.maxItems : null,
    });
  }
  return out;
}

/** Applies the table to the form: number limits, select options, offered radios. */
export function applyParams(form, rows) {
  for (const [name, lim] of formLimits(rows)) {
    for (const span of form.querySelectorAll(`[data-max-items-of="${name}"]`)) {
      span.textContent = lim.maxItems === null ? "" : String(lim.maxItems);
    }
    for (const field of form.querySelectorAll(`[data-param="${name}"]`)) {
      for (const box of field.querySelectorAll('input[type="number"]')) {
        if (lim.min !== null) box.min = String(lim.min);
        else box.removeAttribute("min");
        if (lim.max !== null) box.max = String(lim.max);
        else box.removeAttribute("max");
      }
      if (!lim.choices) continue;
      for (const select of field.querySelectorAll("select")) {
        const current = select.value;
        select.replaceChildren(
          ...lim.choices.map(({ value, label }) => {
            const o = document.createElement("option");
            o.value = value;
            o.textContent = label;
            return o;
          }),
        );
        if (current) select.value = current;
      }
      const offered = new Set(lim.choices.map((c) => c.value));
      for (const radio of field.querySelectorAll('input[type="radio"]')) {
        const hide = !offered.has(radio.value);
        radio.hidden = hide;
        if (radio.labels?.[0]) radio.labels[0].hidden = hide;
      }
    }
  }
}
