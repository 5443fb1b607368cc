// Boxes that each stand for one parameter of the experiment (the box's id is the
// parameter's name): text and number inputs applied on commit (Enter, blur, the
// spinner), not per keystroke, and reported as (key, text) to the one config parser like
// every other control. A config's JSON leaves some keys out at their default; their
// boxes then show the core's table default. All text goes through `value`.

export class ParamBoxes {
  /**
   * @param {HTMLElement} form  holds the boxes
   * @param {string[]} keys  parameter names, one box each (`#<name>`)
   * @param {(key: string, text: string, source: HTMLElement) => void} onChange
   * @param {object[]} params  the core's parameter table
   */
  constructor(form, keys, onChange, params) {
    this.defaults = Object.fromEntries(params.map((p) => [p.name, p.default]));
    this.boxes = keys.map((k) => [k, form.querySelector(`#${k}`)]);
    for (const [key, box] of this.boxes) {
      box.addEventListener("change", () => onChange(key, box.value.trim(), box));
      box.addEventListener("keydown", (e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          onChange(key, box.value.trim(), box);
        }
      });
    }
  }

  /** Shows the config's values (lists as `a,b`) in the boxes. */
  set(config) {
    for (const [key, box] of this.boxes) {
      const v = config[key];
      const empty = v === undefined || (Array.isArray(v) && v.length === 0);
      box.value = empty ? String(this.defaults[key]) : String(v);
    }
  }
}
