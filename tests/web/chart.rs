//! Suite 2: `drawChart` and `drawLandscape` really draw on a canvas (pixels read back, run
//! colours present, the diverged cell dark), reject bad input with a message, and lay
//! their panels out the same in CSS pixels at every device pixel ratio; the run list
//! (`experimentRuns`) and the landscape's numbers (`landscapeSummary`).

use super::*;

// ---- 2. drawChart draws on a real canvas --------------------------------------------

fn canvas(w: u32, h: u32) -> HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_width(w);
    c.set_height(h);
    c
}

fn pixels(c: &HtmlCanvasElement) -> Vec<u8> {
    let ctx: CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    ctx.get_image_data(0.0, 0.0, c.width() as f64, c.height() as f64)
        .unwrap()
        .data()
        .0
}

fn rgb(hex: &str) -> [u8; 3] {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

/// Curves JSON from the golden runs, as a worker would send them: NaN as `null`.
fn curves_json(g: &Golden) -> String {
    let curves: Vec<serde_json::Value> = g
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let recs: Vec<EpochRecord> = r.records.iter().map(GoldenRecord::to_record).collect();
            serde_json::json!({"label": format!("{} k={}", r.name, r.k), "color": i, "records": recs})
        })
        .collect();
    serde_json::to_string(&curves).unwrap()
}

#[wasm_bindgen_test]
fn draw_chart_takes_the_dark_theme() {
    let g = golden();
    let curves = curves_json(&g);
    let n = g.runs.len();
    let c = canvas(900, 600);
    let opts = format!(r#"{{"runs": {n}, "theme": "dark"}}"#);
    web::draw_chart(&c, &curves, &opts).unwrap_or_else(|e| panic!("{}", message(e)));
    let px = pixels(&c);
    // The background is dark, and every run is drawn in its dark-theme colour.
    assert!(px[..3].iter().all(|&v| v < 60), "corner {:?}", &px[..3]);
    for i in 0..n {
        let want = rgb(&web::palette(i, n, Some("dark".into())));
        let hits = px
            .chunks_exact(4)
            .filter(|p| (0..3).all(|c| (p[c] as i32 - want[c] as i32).abs() <= 6))
            .count();
        assert!(hits >= 20, "run {i} colour {want:?}: {hits} pixels on dark");
    }
    let bad = web::draw_chart(&c, &curves, r#"{"theme": "sepia"}"#).unwrap_err();
    assert!(message(bad).contains("allowed: light, dark"));
}

#[wasm_bindgen_test]
fn draw_chart_paints_every_run() {
    let g = golden();
    let curves = curves_json(&g);
    assert!(
        curves.contains("null"),
        "the curves should exercise null floats"
    );
    let n = g.runs.len();
    let (w, h) = (900u32, 600u32);
    let c = canvas(w, h);
    let opts = format!(r#"{{"x": "epoch", "logLoss": false, "runs": {n}}}"#);
    web::draw_chart(&c, &curves, &opts).unwrap_or_else(|e| panic!("{}", message(e)));

    let px = pixels(&c);
    let total = (w * h) as usize;
    let non_white = px
        .chunks_exact(4)
        .filter(|p| p[0] < 250 || p[1] < 250 || p[2] < 250)
        .count();
    assert!(
        non_white > total / 50,
        "only {non_white} of {total} pixels drawn"
    );
    // Every run's colour appears (dots and lines are drawn in the palette colour; allow a
    // little for antialiasing).
    for i in 0..n {
        let want = rgb(&web::palette(i, n, None));
        let hits = px
            .chunks_exact(4)
            .filter(|p| (0..3).all(|c| (p[c] as i32 - want[c] as i32).abs() <= 6))
            .count();
        assert!(hits >= 20, "run {i} colour {want:?}: {hits} pixels");
    }

    // Every axis, a log scale, a subset of panels, a font scale: all draw without error.
    for x in ["samples", "steps", "time"] {
        let opts = format!(
            r#"{{"x": "{x}", "logLoss": true, "metrics": ["testAcc", "lr"], "runs": {n}, "font": 1.5}}"#
        );
        web::draw_chart(&c, &curves, &opts).unwrap_or_else(|e| panic!("{x}: {}", message(e)));
    }
    // Repeats (mean and band), the overlay and the noise-scale panel.
    let with_repeats: Vec<serde_json::Value> =
        serde_json::from_str::<Vec<serde_json::Value>>(&curves)
            .unwrap()
            .into_iter()
            .map(|mut c| {
                c["repeats"] = serde_json::json!([c["records"].clone(), c["records"].clone()]);
                c
            })
            .collect();
    let with_repeats = serde_json::to_string(&with_repeats).unwrap();
    for x in ["epoch", "steps"] {
        let opts = format!(
            r#"{{"x": "{x}", "overlay": true, "metrics": ["noiseScale", "testAcc", "trainLoss"]}}"#
        );
        web::draw_chart(&c, &with_repeats, &opts).unwrap_or_else(|e| panic!("{x}: {}", message(e)));
    }
    // Defaults for every option; an empty chart; tiny and hidden canvases.
    web::draw_chart(&c, &curves, "{}").unwrap();
    web::draw_chart(&c, "[]", "{}").unwrap();
    for (w, h) in [(0, 0), (0, 100), (1, 1), (40, 30), (120, 800)] {
        web::draw_chart(&canvas(w, h), &curves, "{}")
            .unwrap_or_else(|e| panic!("{w}×{h}: {}", message(e)));
    }
}

#[wasm_bindgen_test]
fn draw_chart_rejects_bad_input() {
    let c = canvas(300, 200);
    let cases = [
        ("[", "{}", "curves JSON"),
        (r#"[{"label": "a", "color": 0}]"#, "{}", "records"),
        ("[]", "{", "options JSON"),
        ("[]", r#"{"x": "hours"}"#, "hours"),
        ("[]", r#"{"logloss": true}"#, "logloss"),
        ("[]", r#"{"metrics": ["accuracy"]}"#, "accuracy"),
        ("[]", r#"{"font": 0}"#, "font"),
        ("[]", r#"{"dpr": 0}"#, "dpr"),
        ("[]", r#"{"dpr": 100}"#, "dpr"),
    ];
    for (curves, opts, needle) in cases {
        let e = message(web::draw_chart(&c, curves, opts).unwrap_err());
        assert!(
            e.starts_with("drawChart") && e.contains(needle),
            "{curves} {opts}: {e}"
        );
    }
}

// ---- 5. the run list and the landscape ------------------------------------------------

/// A finished run's one record as a worker sends it (NaN floats as `null`).
fn landscape_record(batch: u64, acc: f64, diverged: bool) -> serde_json::Value {
    serde_json::json!({
        "epoch": 1, "step": 4000 / batch, "samples": 4000, "lr": 0.1, "batch": batch,
        "trainLoss": if diverged { serde_json::Value::Null } else { 0.5.into() },
        "testLoss": if diverged { serde_json::Value::Null } else { 0.4.into() },
        "testAcc": acc, "noiseScale": null, "wallMs": 0,
        "status": if diverged { "diverged" } else { "done" },
    })
}

#[wasm_bindgen_test]
fn experiment_runs_and_the_landscape() {
    // The run list is `Config::runs`: k × repeat in curves mode ...
    let runs: serde_json::Value =
        serde_json::from_str(&web::experiment_runs(r#"{"k": [1, 4], "repeats": 2}"#).unwrap())
            .unwrap();
    let ks: Vec<(u64, u64)> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["k"].as_u64().unwrap(), r["repeat"].as_u64().unwrap()))
        .collect();
    assert_eq!(ks, vec![(1, 0), (1, 1), (4, 0), (4, 1)]);
    assert!(runs[2]["cell"].is_null());
    assert_eq!(runs[2]["config"]["k"], serde_json::json!([4]));
    // ... cell × repeat in the landscape, as plain runs with the cell's batch and rate.
    let cfg = r#"{"mode": "landscape", "grid_b": [16, 256], "grid_lr": [0.01, 10.0], "epochs": 1}"#;
    let runs: Vec<serde_json::Value> =
        serde_json::from_str(&web::experiment_runs(cfg).unwrap()).unwrap();
    assert_eq!(runs.len(), 4);
    assert_eq!(runs[1]["cell"], serde_json::json!([0, 1]));
    assert_eq!(
        (
            &runs[1]["config"]["b0"],
            &runs[1]["config"]["lr0"],
            &runs[1]["config"]["rule"]
        ),
        (
            &serde_json::json!(16),
            &serde_json::json!(10.0),
            &serde_json::json!("none")
        )
    );
    let e = message(web::experiment_runs(r#"{"repeats": 11}"#).unwrap_err());
    assert!(e.contains("`repeats`"), "{e}");

    // Results as the page sends them back: batch 16 at η = 10 diverged.
    let results: Vec<serde_json::Value> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let b = r["config"]["b0"].as_u64().unwrap();
            let diverged = r["cell"] == serde_json::json!([0, 1]);
            serde_json::json!({"run": i, "config": r["config"], "repeat": 0,
                "records": [landscape_record(b, if b == 16 { 0.93 } else { 0.6 }, diverged)]})
        })
        .collect();
    let results = serde_json::to_string(&results).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&web::landscape_summary(cfg, &results).unwrap()).unwrap();
    let cell = &summary["cells"][0][1];
    assert_eq!(
        (cell["diverged"].as_bool(), cell["loss"].is_null()),
        (Some(true), true)
    );
    assert_eq!(summary["cells"][0][0]["acc"], serde_json::json!(0.93));
    assert_eq!(summary["best"][0]["batch"], serde_json::json!(16));
    assert!(summary["best"][0]["steps"].as_f64().unwrap() < 250.0);
    assert!(
        summary["best"][1]["steps"].is_null(),
        "60 % never reaches 90 %"
    );

    // The picture: cells, the diverged one dark grey; both views and any size draw.
    let c = canvas(900, 420);
    web::draw_landscape(&c, cfg, &results, r#"{"value": "accuracy"}"#)
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let dark = pixels(&c)
        .chunks_exact(4)
        .filter(|p| p[..3] == [60, 60, 60])
        .count();
    assert!(dark > 2000, "the diverged cell: {dark} pixels");
    web::draw_landscape(&c, cfg, &results, r#"{"value": "loss", "font": 2}"#).unwrap();
    web::draw_landscape(&c, cfg, "[]", "{}").unwrap();
    for (w, h) in [(0, 0), (1, 1), (40, 30), (300, 900)] {
        web::draw_landscape(&canvas(w, h), cfg, &results, "{}")
            .unwrap_or_else(|e| panic!("{w}×{h}: {}", message(e)));
    }
    for (config, runs, opts, needle) in [
        ("{", "[]", "{}", "`json`"),
        (cfg, "[", "{}", "bad runs JSON"),
        (cfg, "[]", r#"{"value": "f1"}"#, "f1"),
        (cfg, "[]", r#"{"font": 0}"#, "font"),
        (cfg, "[]", r#"{"dpr": -1}"#, "dpr"),
        (cfg, "[]", r#"{"heat": "loss"}"#, "heat"),
    ] {
        let e = message(web::draw_landscape(&c, config, runs, opts).unwrap_err());
        assert!(e.contains(needle), "{config} {runs} {opts}: {e}");
    }
    let e = message(web::landscape_summary(cfg, "[{}]").unwrap_err());
    assert!(e.starts_with("landscapeSummary"), "{e}");
}

/// The panels a draw call answered, `{"panels": [{x, y, w, h}]}`, parsed.
fn panels(json: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    v["panels"]
        .as_array()
        .unwrap_or_else(|| panic!("no panels: {json}"))
        .clone()
}

/// A layout export's answer, `{"cols", "rows", "cssHeight"}`, as (cols, rows, height).
fn grid(json: &str) -> (u64, u64, f64) {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    (
        v["cols"].as_u64().unwrap(),
        v["rows"].as_u64().unwrap(),
        v["cssHeight"].as_f64().unwrap(),
    )
}

#[wasm_bindgen_test]
fn panels_are_the_same_in_css_pixels_at_every_pixel_ratio() {
    let g = golden();
    let curves = curves_json(&g);
    // The palette depends on the number of runs (Okabe–Ito up to 8, viridis beyond).
    let first_colour = rgb(&web::palette(0, g.runs.len(), None));
    let cfg = r#"{"mode": "landscape", "grid_b": [16, 256], "grid_lr": [0.01, 0.1]}"#;
    for css_w in [390u32, 1280] {
        // The page's way: the layout for the CSS width, then a backing store of CSS × dpr.
        let (cols, rows, css_h) = grid(&web::chart_layout(css_w as f64, 4.0).unwrap());
        assert_eq!((cols, rows), if css_w < 600 { (1, 4) } else { (2, 2) });
        let (l_cols, _, l_h) = grid(&web::landscape_layout(css_w as f64).unwrap());
        let mut first: Option<(Vec<serde_json::Value>, Vec<serde_json::Value>)> = None;
        for dpr in [1u32, 2] {
            let opts = format!(r#"{{"dpr": {dpr}}}"#);
            let c = canvas(css_w * dpr, css_h as u32 * dpr);
            let chart = panels(&web::draw_chart(&c, &curves, &opts).unwrap());
            assert_eq!(chart.len(), 4, "{css_w} px at dpr {dpr}");
            let xs: std::collections::BTreeSet<String> =
                chart.iter().map(|p| p["x"].to_string()).collect();
            assert_eq!(xs.len() as u64, cols, "{css_w} px at dpr {dpr}: {chart:?}");
            assert!(
                pixels(&c).chunks_exact(4).any(|p| p[..3] == first_colour),
                "the first run's colour is drawn at dpr {dpr}"
            );
            let c = canvas(css_w * dpr, l_h as u32 * dpr);
            let land = panels(&web::draw_landscape(&c, cfg, "[]", &opts).unwrap());
            assert_eq!(land.len(), 2);
            let xs: std::collections::BTreeSet<String> =
                land.iter().map(|p| p["x"].to_string()).collect();
            assert_eq!(xs.len() as u64, l_cols, "landscape at {css_w} px: {land:?}");
            match &first {
                None => first = Some((chart, land)),
                Some((c1, l1)) => {
                    assert_eq!(c1, &chart, "curves at {css_w} px: dpr 2 differs from dpr 1");
                    assert_eq!(
                        l1, &land,
                        "landscape at {css_w} px: dpr 2 differs from dpr 1"
                    );
                }
            }
        }
    }
    // A hidden canvas draws nothing and has no panels.
    assert!(panels(&web::draw_chart(&canvas(0, 0), &curves, "{}").unwrap()).is_empty());
    // The layout exports refuse what is not a width or a panel count.
    for (w, n, needle) in [
        (f64::NAN, 4.0, "CSS width"),
        (-1.0, 4.0, "CSS width"),
        (400.0, 0.0, "panels"),
        (400.0, 2.5, "panels"),
        (400.0, 99.0, "panels"),
    ] {
        let e = message(web::chart_layout(w, n).unwrap_err());
        assert!(
            e.starts_with("chartLayout") && e.contains(needle),
            "{w} {n}: {e}"
        );
    }
    let e = message(web::landscape_layout(f64::INFINITY).unwrap_err());
    assert!(e.starts_with("landscapeLayout"), "{e}");
}
