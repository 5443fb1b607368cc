//! Tests of the charts: what the SVG shows (every run, the divergence mark, the
//! landscape's cells, rules and legends) and the layout contract: the grid follows the
//! CSS width only, the panels are the same at every pixel ratio, none is stretched, and
//! text and lines scale with the ratio.

use super::*;
use crate::config::Config;
use crate::landscape::Landscape;
use crate::metrics::{EpochRecord, RunResult, Status};

fn rec(epoch: u32, acc: f64, status: Status) -> EpochRecord {
    EpochRecord {
        epoch,
        step: epoch as u64 * 10,
        samples: epoch as u64 * 80,
        lr: 0.01,
        batch: 8,
        train_loss: 1.0 / epoch as f64,
        test_loss: if status == Status::Diverged {
            f64::NAN
        } else {
            1.2 / epoch as f64
        },
        test_acc: acc,
        noise_scale: f64::NAN,
        peak_loss: f64::NAN,
        epochs_done: f64::NAN,
        noise_spread: f64::NAN,
        wall_ms: epoch as f64 * 500.0,
        status,
    }
}

/// A 3 × 3 grid: batch 8, 64, 512 × three rates, one diverged cell.
fn small_landscape() -> Landscape {
    let cfg = Config::from_query("mode=landscape&grid_b=8,64,512&grid_lr=0.001:1:3&b0=8&lr0=0.001")
        .unwrap();
    let runs: Vec<RunResult> = cfg
        .runs()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (bi, lj) = s.cell.unwrap();
            let status = if lj == 2 && bi == 0 {
                Status::Diverged
            } else {
                Status::Done
            };
            let mut r = rec(1, 0.5 + 0.1 * (bi + lj) as f64, status);
            r.step = [1000, 125, 16][bi];
            RunResult {
                run: i,
                config: s.config.clone(),
                repeat: 0,
                records: vec![r],
            }
        })
        .collect();
    Landscape::new(&cfg, &runs)
}

#[test]
fn landscape_svg_draws_cells_rules_and_steps() {
    let land = small_landscape();
    let svg = landscape_svg_string(&land, HeatValue::Accuracy, (1000, 420)).unwrap();
    for needle in [
        "final test accuracy",
        "linear: η ∝ B",
        "perfect scaling",
        "steps to reach 90% test accuracy",
    ] {
        assert!(svg.contains(needle), "missing {needle}");
    }
    // The 90 % cell (batch 512, lr 1) is labelled; a diverged cell is dark.
    std::fs::write(std::env::temp_dir().join("lrbp-landscape.svg"), &svg).ok();
    let texts = svg_texts(&svg);
    assert!(texts.contains(&"90"), "cell label");
    assert!(svg.contains("#3C3C3C"), "diverged cell colour");
}

#[test]
fn svg_has_every_run_and_the_divergence_mark() {
    let a = vec![rec(1, 0.8, Status::Running), rec(2, 0.9, Status::Done)];
    let b = vec![rec(1, 0.5, Status::Running), rec(2, 0.1, Status::Diverged)];
    let curves = [Curve::new("k=1", &a, 0), Curve::new("k=2 diverged", &b, 1)];
    for x in [XAxis::Epoch, XAxis::Samples, XAxis::Steps, XAxis::Time] {
        let opts = PlotOptions {
            x,
            log_loss: x == XAxis::Steps,
            runs: 2,
            ..Default::default()
        };
        let svg = svg_string(&curves, &opts, (900, 600)).unwrap();
        assert!(
            svg.contains("k=2 diverged") && svg.contains("test accuracy"),
            "legend/title missing"
        );
        assert!(svg.contains(x.label()));
        // Okabe-Ito blue and orange both drawn.
        assert!(
            svg.contains("#0072B2") && svg.contains("#E69F00"),
            "colours missing"
        );
    }
    // Empty input still draws axes without error.
    assert!(svg_string(&[], &PlotOptions::default(), (400, 800)).is_ok());
}

#[test]
fn collapsed_and_diverged_runs_have_their_own_marks() {
    let ok = vec![rec(1, 0.8, Status::Running), rec(2, 0.9, Status::Done)];
    let collapsed = vec![
        rec(1, 0.11, Status::Running),
        rec(2, 0.11, Status::Collapsed),
    ];
    let diverged = vec![rec(1, 0.5, Status::Running), rec(2, 0.1, Status::Diverged)];
    let opts = PlotOptions {
        metrics: vec![Metric::TestAcc],
        runs: 3,
        ..Default::default()
    };
    let draw = |records: &[EpochRecord]| {
        svg_string(&[Curve::new("run", records, 0)], &opts, (500, 400)).unwrap()
    };
    // A ring is the only unfilled circle; a cross is the only pair of crossing lines.
    let rings = |svg: &str| {
        svg.split("<circle")
            .skip(1)
            .filter(|c| c.split("/>").next().unwrap().contains("fill=\"none\""))
            .count()
    };
    let (a, b, c) = (draw(&ok), draw(&collapsed), draw(&diverged));
    assert_eq!((rings(&a), rings(&b), rings(&c)), (0, 1, 0));
    // The same records without the failed status: the cross adds strokes, the ring none.
    let mut plain = diverged.clone();
    plain[1].status = Status::Running;
    let strokes = |svg: &str| svg.matches("<polyline").count() + svg.matches("<line").count();
    assert_eq!(
        strokes(&c),
        strokes(&draw(&plain)) + 2,
        "the cross's two strokes"
    );
    let mut plain = collapsed.clone();
    plain[1].status = Status::Done;
    assert_eq!(strokes(&b), strokes(&draw(&plain)));
}

/// Every run of the curve tests, for drawing at several sizes.
fn two_runs() -> (Vec<EpochRecord>, Vec<EpochRecord>) {
    (
        vec![rec(1, 0.8, Status::Running), rec(2, 0.9, Status::Done)],
        vec![rec(1, 0.5, Status::Running), rec(2, 0.1, Status::Diverged)],
    )
}

/// Draws the curves on an SVG of `css` CSS pixels at `dpr`; returns the panels and the SVG.
fn curves_at(css: (u32, u32), dpr: u32, metrics: usize) -> (Vec<Rect>, String) {
    let (a, b) = two_runs();
    let curves = [Curve::new("k=1", &a, 0), Curve::new("k=2", &b, 1)];
    let opts = PlotOptions {
        metrics: Metric::ALL.iter().copied().cycle().take(metrics).collect(),
        dpr: dpr as f64,
        runs: 2,
        ..Default::default()
    };
    let mut svg = String::new();
    let rects = {
        let size = (css.0 * dpr, css.1 * dpr);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw_curves(&root, &curves, &opts).unwrap()
    };
    (rects, svg)
}

fn landscape_at(css: (u32, u32), dpr: u32) -> (Vec<Rect>, String) {
    let land = small_landscape();
    let mut svg = String::new();
    let rects = {
        let size = (css.0 * dpr, css.1 * dpr);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let scale = Scale {
            font: 1.0,
            dpr: dpr as f64,
            ..Scale::default()
        };
        draw_landscape(&root, &land, HeatValue::Loss, scale).unwrap()
    };
    (rects, svg)
}

/// Every number of an SVG attribute (`font-size="11"`, `stroke-width="2"`), in order;
/// a filled shape's `stroke-width` (with `stroke="none"`) draws nothing and is skipped.
fn attr_values(svg: &str, attr: &str) -> Vec<f64> {
    let key = format!("{attr}=\"");
    svg.split('<')
        .filter(|el| !(attr == "stroke-width" && el.contains("stroke=\"none\"")))
        .filter_map(|el| el.split(&key).nth(1))
        .filter_map(|s| s.split('"').next()?.trim_end_matches("px").parse().ok())
        .collect()
}

#[test]
fn phone_gets_one_column_of_four_and_desktop_two_by_two() {
    let phone = curves_layout(390.0, 4);
    assert_eq!((phone.cols, phone.rows), (1, 4));
    let desktop = curves_layout(1280.0, 4);
    assert_eq!((desktop.cols, desktop.rows), (2, 2));
    // The page's phone canvas (390 px viewport less the page's padding).
    assert_eq!((curves_layout(344.0, 4).cols), 1);
    // One metric is one panel at any width, flatter than a panel of four, never a tower.
    let lone = curves_layout(1280.0, 1);
    assert_eq!((lone.cols, lone.rows, lone.css_height), (1, 1, 340));
    assert_eq!(curves_layout(344.0, 1).css_height, 220);
    // The landscape stacks on a phone.
    assert_eq!(
        (landscape_layout(390.0).cols, landscape_layout(390.0).rows),
        (1, 2)
    );
    assert_eq!(
        (landscape_layout(1280.0).cols, landscape_layout(1280.0).rows),
        (2, 1)
    );
    // Nonsense widths still give a usable grid.
    for w in [f64::NAN, -5.0, f64::INFINITY, 0.0] {
        let g = curves_layout(w, 4);
        assert!(g.cols == 1 && g.rows == 4 && g.css_height > 0, "{w}: {g:?}");
    }
}

/// The band a curves panel's width / height stays in, for CSS widths from a small
/// phone (280) to a wide desktop (1600).
const CURVE_BAND: std::ops::RangeInclusive<f64> = 1.4..=2.0;
/// The landscape's nearly square panels.
const LANDSCAPE_BAND: std::ops::RangeInclusive<f64> = 0.85..=1.35;

#[test]
fn no_panel_is_stretched_at_any_width() {
    for w in (280..=1600).step_by(4) {
        for n in [2, 3, 4, 5] {
            let g = curves_layout(w as f64, n);
            let aspect = (w as f64 / g.cols as f64) / (g.css_height as f64 / g.rows as f64);
            assert!(
                CURVE_BAND.contains(&aspect),
                "curves at {w} px, {n} panels: {g:?}, aspect {aspect:.2}"
            );
        }
        let g = landscape_layout(w as f64);
        let aspect = (w as f64 / g.cols as f64) / (g.css_height as f64 / g.rows as f64);
        assert!(
            LANDSCAPE_BAND.contains(&aspect),
            "landscape at {w} px: {g:?}, aspect {aspect:.2}"
        );
    }
    // And the drawn panels are the layout's.
    for w in [390, 1280] {
        let g = curves_layout(w as f64, 4);
        let (rects, _) = curves_at((w, g.css_height), 1, 4);
        assert_eq!(rects.len(), 4);
        for r in &rects {
            assert!(CURVE_BAND.contains(&(r.w / r.h)), "{w}: {r:?}");
        }
    }
}

#[test]
fn panels_are_the_same_in_css_pixels_at_every_pixel_ratio() {
    for (w, n) in [
        (390u32, 4usize),
        (344, 4),
        (1280, 4),
        (1240, 5),
        (700, 1),
        (601, 3),
    ] {
        let h = curves_layout(w as f64, n).css_height;
        let (one, _) = curves_at((w, h), 1, n);
        assert_eq!(one.len(), n);
        for dpr in [2, 3] {
            let (other, _) = curves_at((w, h), dpr, n);
            assert_eq!(one, other, "curves at {w}×{h}, dpr {dpr}");
        }
        // Side by side, and covering the chart's width and height.
        let g = curves_layout(w as f64, n);
        let right = one.iter().map(|r| r.x + r.w).fold(0.0, f64::max);
        let bottom = one.iter().map(|r| r.y + r.h).fold(0.0, f64::max);
        assert!(
            (right - w as f64).abs() < 0.01 || g.cols * g.rows > n,
            "{w}: {one:?}"
        );
        assert!((bottom - h as f64).abs() < 0.01, "{w}: {one:?}");
    }
    for w in [390u32, 1280] {
        let h = landscape_layout(w as f64).css_height;
        let (one, _) = landscape_at((w, h), 1);
        assert_eq!(one.len(), 2);
        for dpr in [2, 3] {
            assert_eq!(
                one,
                landscape_at((w, h), dpr).0,
                "landscape at {w}, dpr {dpr}"
            );
        }
    }
}

#[test]
fn css_size_undoes_the_pages_rounding() {
    // The page sets the backing store to round(css × dpr).
    for css in [343u32, 344, 345, 1239] {
        for dpr in [1.0, 1.25, 1.5, 2.0, 2.625, 3.0] {
            let px = (css as f64 * dpr).round() as u32;
            assert_eq!(
                css_size((px, px), dpr),
                (css as f64, css as f64),
                "{css} at {dpr}"
            );
        }
    }
    assert_eq!(css_size((300, 200), f64::NAN), (300.0, 200.0));
}

#[test]
fn text_and_lines_scale_with_the_pixel_ratio() {
    for (draw, what) in [
        (
            curves_at as fn((u32, u32), u32, usize) -> (Vec<Rect>, String),
            "curves",
        ),
        (|css, dpr, _| landscape_at(css, dpr), "landscape"),
    ] {
        let one = draw((1000, 700), 1, 4).1;
        let two = draw((1000, 700), 2, 4).1;
        std::fs::write(
            std::env::temp_dir().join(format!("lrbp-{what}-dpr2.svg")),
            &two,
        )
        .ok();
        for attr in ["font-size", "stroke-width"] {
            let (a, b) = (attr_values(&one, attr), attr_values(&two, attr));
            assert!(!a.is_empty(), "{what}: no {attr} in the SVG");
            let doubled: Vec<f64> = a.iter().map(|v| 2.0 * v).collect();
            let (mut b_sorted, mut d_sorted) = (b.clone(), doubled.clone());
            b_sorted.sort_by(f64::total_cmp);
            d_sorted.sort_by(f64::total_cmp);
            b_sorted.dedup();
            d_sorted.dedup();
            assert_eq!(
                b_sorted, d_sorted,
                "{what}: {attr} at dpr 2 is not twice dpr 1"
            );
        }
    }
}

/// The text of every `<text>` element of an SVG.
fn svg_texts(svg: &str) -> Vec<&str> {
    svg.split("</text>")
        .filter_map(|t| t.rsplit('>').next())
        .map(str::trim)
        .collect()
}

/// The learning-rate panel of k = 1 and k = 4 under the linear rule (0.001 and 0.004): its
/// log axis spans −3.05..−2.35, and its top tick, −2.4 (0.004), was dropped by plotters'
/// running-sum tick loop, leaving the panel without the larger rate's label.
#[test]
fn the_lr_panel_labels_its_top_tick() {
    let run = |lr: f64, batch: usize| -> Vec<EpochRecord> {
        (1..=3)
            .map(|e| EpochRecord {
                lr,
                batch,
                ..rec(e, 0.9, Status::Running)
            })
            .collect()
    };
    let (a, b) = (run(0.001, 8), run(0.004, 32));
    let curves = [Curve::new("k=1", &a, 0), Curve::new("k=4", &b, 1)];
    let opts = PlotOptions {
        metrics: vec![Metric::Lr],
        runs: 2,
        ..Default::default()
    };
    for height in [200, 300, 400] {
        let svg = svg_string(&curves, &opts, (600, height)).unwrap();
        let texts = svg_texts(&svg);
        for label in ["0.001", "0.0016", "0.0025", "0.004"] {
            assert!(
                texts.contains(&label),
                "no tick label {label} at height {height}: {texts:?}"
            );
        }
    }
}

/// The ticks are whole multiples of a 1, 2 or 5 × 10ⁿ step, at most as many as asked,
/// the ends included when they fall on a multiple.
#[test]
fn ticks_are_multiples_of_a_round_step_up_to_both_ends() {
    let close = |got: Vec<f64>, want: &[f64]| {
        assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
        }
    };
    // The learning-rate panel's log axis for 0.001 and 0.004 (padding 0.05 each side).
    let (lo, hi) = (0.001f64.log10() - 0.05, 0.004f64.log10() + 0.05);
    close(super::curves::ticks(lo, hi, 6), &[-3.0, -2.8, -2.6, -2.4]);
    close(
        super::curves::ticks(0.0, 100.0, 6),
        &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0],
    );
    close(super::curves::ticks(0.0, 1.0, 3), &[0.0, 0.5, 1.0]);
    close(
        super::curves::ticks(0.0, 2.5, 6),
        &[0.0, 0.5, 1.0, 1.5, 2.0, 2.5],
    );
    assert_eq!(super::curves::ticks(1.0, 1.0, 6), vec![1.0]);
    assert!(super::curves::ticks(0.0, 1e300, 6).len() <= 6);
}
