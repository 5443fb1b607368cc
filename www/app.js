//! The page's one state object, `app`, and the small pure questions asked of it.
//!
//! Everything the page knows lives here, in one place a reader can print:
//!   config        the experiment (validated by wasm; the mode is part of it)
//!   view          the reader's view options (x axis, log scale, overlay, heat, embed, autorun)
//!   selected      the run shown in the live view
//!   nImages       images in the loaded training file (null until it is read)
//!   specs         the core's run list for this config (wasm experimentRuns)
//!   statuses      which run statuses are terminal / healthy (wasm runStatuses)
//!   params        the core's parameter table (wasm paramsTable)
//!   presets       every preset's parsed config, by id
//!   slots         how many runs train at once (pool.js)
//!   speed         training samples per second of one worker in this browser, when measured
//!   budget        {held, autorunDone}: an autorun held back because the experiment is over
//!                 the work budget; whether the link's autorun has been considered
//!   visible       whether the page is on screen (a framed page trains only then)
//!   history       the records, kept in wasm (History, src/web/history.rs)
//!   ui            the views, built once by main.js (controls, table, charts, live, notices)
//!   dirty         {all, runs}: which runs' table rows changed since the last frame
//!   timers        pending timeouts (URL write, share status)
//!   live          the live view's request state
//!
//! Modules receive `app` as an argument; none keeps mutable state of its own at
//! module level. Not here: the DOM wiring (main.js) and the wasm calls (core.js).

/** A fresh state: the article's view options, nothing loaded. */
export function createApp() {
  return {
    config: null,
    view: { x: "epoch", log: false, overlay: false, heat: "accuracy", embed: false, autorun: false },
    selected: 0,
    nImages: null,
    specs: [],
    statuses: { terminal: new Set(), healthy: new Set() },
    params: [],
    presets: new Map(),
    slots: 1,
    speed: null,
    budget: { held: false, autorunDone: false },
    visible: true,
    wasm: null,
    experiment: null,
    history: null,
    data: null,
    ui: {},
    dirty: { all: true, runs: new Set() },
    timers: { url: 0, share: 0 },
    live: { busy: false, imagesAsked: false },
  };
}
