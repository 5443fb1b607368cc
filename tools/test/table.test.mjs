// The runs table's paging (www/table.js): which rows a page holds and what the pager says.

import { test } from "node:test";
import assert from "node:assert/strict";
import { pageRange, pageOf, PAGE_ROWS, scoreText, peakText, statusText } from "../../www/table.js";

test("an experiment that fits one page shows every row and no range", () => {
  assert.deepEqual(pageRange(0, 36), { page: 0, pages: 1, from: 0, to: 36, text: "36 rows" });
  assert.deepEqual(pageRange(0, PAGE_ROWS).pages, 1);
  assert.deepEqual(pageRange(3, 7), { page: 0, pages: 1, from: 0, to: 7, text: "7 rows" });
  assert.deepEqual(pageRange(0, 0), { page: 0, pages: 1, from: 0, to: 0, text: "0 rows" });
});

test("a large experiment is paged, the last page holds the rest", () => {
  assert.equal(PAGE_ROWS, 50);
  assert.deepEqual(pageRange(0, 288), { page: 0, pages: 6, from: 0, to: 50, text: "Rows 1–50 of 288" });
  assert.deepEqual(pageRange(1, 288).text, "Rows 51–100 of 288");
  assert.deepEqual(pageRange(5, 288), { page: 5, pages: 6, from: 250, to: 288, text: "Rows 251–288 of 288" });
  assert.deepEqual(pageRange(0, 51).pages, 2);
});

test("pages out of range are clamped, nonsense is page 0", () => {
  assert.equal(pageRange(-1, 288).page, 0);
  assert.equal(pageRange(99, 288).page, 5);
  assert.equal(pageRange(NaN, 288).page, 0);
  assert.equal(pageRange(2.7, 288).page, 2);
});

test("a run's page", () => {
  assert.equal(pageOf(0), 0);
  assert.equal(pageOf(49), 0);
  assert.equal(pageOf(50), 1);
  assert.equal(pageOf(287), 5);
  assert.equal(pageOf(-3), 0);
  assert.equal(pageOf(7, 3), 2);
});

test("without a pager every row is one page", () => {
  assert.deepEqual(pageRange(0, 288, Infinity), { page: 0, pages: 1, from: 0, to: 288, text: "288 rows" });
  assert.equal(pageOf(287, Infinity), 0);
});

test("a collapsed or diverged run's accuracy is not shown as a result, and says why", () => {
  const last = { testAcc: 0.1135, peakLoss: 2.5e7 };
  assert.deepEqual(scoreText("done", last), { text: "11.3%", title: null });
  assert.deepEqual(scoreText("running", last).text, "11.3%");
  for (const s of ["collapsed", "diverged"]) {
    const { text, title } = scoreText(s, last);
    assert.equal(text, "—");
    assert.match(title, new RegExp(`^11\\.3% at the end, not a result: the run ${s}`));
  }
  assert.deepEqual(scoreText("collapsed", undefined), { text: "–", title: null });
  assert.equal(statusText({ status: "collapsed" }), "collapsed (one class)");
});

test("the peak loss column", () => {
  assert.equal(peakText(2.5e7), "2.5e+7");
  assert.equal(peakText(3.14159), "3.14");
  assert.equal(peakText(null), "–");
  assert.equal(peakText(NaN), "–");
});
