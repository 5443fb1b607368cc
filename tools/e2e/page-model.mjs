// What the page shows, read the way a test needs it: the runs table and the value of every
// setting. Shared by the e2e tests (page.test.mjs, links.test.mjs) so they read the page
// alike; selectors are the page's DOM ids and data-col attributes, nothing else.

/** The runs table, one object per row, read by column name (data-col). */
export async function rows(page) {
  return page.$$eval("#runs-body tr", (trs) =>
    trs.map((tr) => {
      const text = (col) => tr.querySelector(`[data-col="${col}"]`)?.textContent.trim();
      return {
        k: text("k"),
        seed: text("seed"),
        batch: text("batch"),
        lr: text("lr"),
        epoch: text("epoch"),
        acc: text("acc"),
        target: text("target"),
        status: text("status"),
      };
    }),
  );
}

/**
 * What the controls show: the experiment as a reader sees it, one entry per control of the
 * settings form (both modes) and of the chart's view options.
 */
export async function controlValues(page) {
  return page.evaluate(() => {
    const v = (id) => document.getElementById(id).value;
    const radio = (name) => document.querySelector(`input[name="${name}"]:checked`)?.value;
    return {
      b0: document.getElementById("b0-out").textContent,
      lr0: v("lr0"),
      k: v("k"),
      rule: radio("rule"),
      warmup: v("warmup"),
      decay: v("decay"),
      opt: v("opt"),
      momentum: v("momentum"),
      epochs: v("epochs"),
      train: v("train"),
      dropout: v("dropout"),
      seed: v("seed"),
      init: v("init"),
      norm: v("norm"),
      x: radio("x"),
      log: document.getElementById("log-loss").checked,
      overlay: document.getElementById("overlay").checked,
      mode: radio("mode"),
      repeats: v("repeats"),
      order: radio("order"),
      grid_b: v("grid_b"),
      grid_lr: v("grid_lr"),
      gridEpochs: v("grid-epochs"),
      target: v("target"),
      heat: radio("heat"),
    };
  });
}
