// The URL <-> page state (www/state.js), with a stand-in for the wasm parser.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readQuery, writeQuery, presetConfigs, matchPreset, pickParams, PAGE_KEYS } from "../../www/state.js";
import { PRESETS } from "../../www/presets.js";

/** A parser that records what it was asked and answers a config made of the query's pairs. */
function fakeWasm({ errors = [], more = 0 } = {}) {
  const asked = [];
  return {
    asked,
    parseQuery(query, ignore) {
      asked.push([query, ignore]);
      const config = {};
      for (const [k, v] of new URLSearchParams(query)) if (!ignore.split(",").includes(k)) config[k] = v;
      return JSON.stringify({ config, errors, more, query });
    },
    configToQuery(json) {
      return new URLSearchParams(JSON.parse(json)).toString();
    },
    queryVersion() {
      return 7; // not the core's: the link must take the core's, whatever it is
    },
  };
}

test("page keys are read here, the experiment by the core, after the default preset", () => {
  const wasm = fakeWasm();
  const s = readQuery(wasm, "?x=steps&log=1&embed=1&lr0=0.1");
  assert.deepEqual(s.view, {
    x: "steps",
    log: true,
    overlay: false,
    heat: "accuracy",
    embed: true,
    autorun: false,
    theme: null,
  });
  assert.deepEqual(s.errors, []);
  assert.equal(s.more, 0);
  // No k and no preset: the article's keys first, the link's after them.
  assert.equal(wasm.asked[0][0], `${PRESETS[0].query}&x=steps&log=1&embed=1&lr0=0.1`);
  assert.equal(wasm.asked[0][1], PAGE_KEYS.join(","));
  assert.equal(s.config.lr0, "0.1");
});

test("bad page values and unknown presets become problems; the core's are added, with its count", () => {
  const core = [{ param: "z", value: "", message: "unknown parameter" }];
  const s = readQuery(fakeWasm({ errors: core, more: 41 }), "x=sideways&autorun=maybe&preset=nope&k=1");
  assert.deepEqual(
    s.errors.map((e) => e.param),
    ["x", "autorun", "preset", "z"],
  );
  assert.equal(s.more, 41);
  assert.equal(s.view.x, "epoch");
  assert.equal(s.view.autorun, false);
});

test("many thousands of problems pass through without a stack overflow", () => {
  const many = Array.from({ length: 300_000 }, () => ({ param: "z", value: "", message: "unknown" }));
  const s = readQuery(fakeWasm({ errors: many }), "k=1");
  assert.equal(s.errors.length, 300_000);
});

test("a written link names its preset, always carries k, and only non-default view keys", () => {
  const wasm = fakeWasm();
  const presets = presetConfigs(wasm);
  assert.equal(presets.size, PRESETS.length);
  const article = presets.get("article");
  assert.equal(matchPreset(presets, { ...article })?.id, "article");
  assert.equal(matchPreset(presets, { ...article, lr0: "0.5" }), undefined);
  // The same experiment on the visitor's own files is still the preset.
  assert.equal(matchPreset(presets, { ...article, data: "own-300-100-0123456789abcdef" })?.id, "article");
  const view = { x: "epoch", log: false, overlay: true, heat: "accuracy", embed: false, autorun: false };
  const q = writeQuery(wasm, presets, { lr0: "0.5" }, view);
  assert.equal(q, "lr0=0.5&k=1&overlay=1&v=7");
  assert.match(writeQuery(wasm, presets, article, view), /^preset=article&/);
});

test("a page key given twice: the last one wins, as for the experiment's keys", () => {
  const s = readQuery(fakeWasm(), "?x=steps&x=samples&log=0&log=1&heat=loss&heat=accuracy");
  assert.equal(s.view.x, "samples");
  assert.equal(s.view.log, true);
  assert.equal(s.view.heat, "accuracy");
  assert.deepEqual(s.errors, []);
});

test("the page keys picked from a link answer as URLSearchParams of the whole link would", () => {
  const keys = [...PAGE_KEYS, "k"];
  const queries = [
    "x=steps&log=1&x=time&k=1,2",
    "%78=samples&l%6Fg=on&k=%31-3&kk=9&+x=1&x+=2",
    "x&log&=1&&&embed=&heat=loss%20&heat=accuracy",
    "z&z&%zz=1&x%=1&x=%E0%A4%A&preset=a+b&%70reset=c",
    "autorun=1&autorun=0&overlay=%GG&k",
  ];
  for (const q of queries) {
    const all = new URLSearchParams(q);
    const picked = pickParams(q, keys);
    for (const key of keys) {
      assert.deepEqual(picked.getAll(key), all.getAll(key), `${key} in ${q}`);
      assert.equal(picked.has(key), all.has(key), `${key} in ${q}`);
    }
  }
});

test("a link of half a million junk pairs is not built into pairs", () => {
  const q = `${"z&".repeat(500_000)}x=steps&${"y".repeat(100_000)}=1&k=3`;
  const picked = pickParams(q, [...PAGE_KEYS, "k"]);
  assert.deepEqual(
    [...picked],
    [
      ["x", "steps"],
      ["k", "3"],
    ],
  );
});
