//! The look shared by every chart: the run palette, the landscape's fixed colours, the
//! number format of axis labels, and [`Scale`], which turns a size in CSS pixels into
//! device pixels.
//!
//! Sizes in the drawing code are written once, in CSS pixels at font size factor 1 (what
//! a laptop screen at devicePixelRatio 1 shows). [`Scale`] multiplies text and the lengths
//! that hold text (margins, label areas, legend keys) by `font × dpr`, and line widths and
//! marker sizes by `dpr` alone, so a canvas drawn at dpr 2 or 3 is the same picture as at
//! dpr 1, only sharper. At `font = dpr = 1` every size is the number written in the code,
//! which is what the CLI's SVG uses.
//!
//! Colours: the Okabe–Ito palette (distinguishable under the common colour-vision
//! deficiencies) for up to eight runs, and the viridis ramp (also CVD-safe, and ordered
//! like the k values it shows) beyond that; the heatmap shades with viridis too.
//!
//! [`Theme`]: the page's light or dark look, carried in [`Scale`] so that every drawing
//! function that knows its sizes also knows its background, ink and grid colours. On dark
//! the palette's black becomes a light grey and viridis' dark end is skipped, so every run
//! keeps at least 3:1 contrast against the background (WCAG's figure for graphics); text
//! is near-white on near-black (well above AA's 4.5:1). The CLI's SVG is always light.

use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::Ranged;
use plotters::prelude::{DrawingBackend, IntoFont};
use plotters::style::{Color, RGBColor, TextStyle};

/// How large and in which colours to draw: `font` is a pure size factor for text (1 = the
/// default sizes), `dpr` the canvas' device pixels per CSS pixel, `theme` light or dark.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub font: f64,
    pub dpr: f64,
    pub theme: Theme,
}

impl Default for Scale {
    fn default() -> Self {
        Scale {
            font: 1.0,
            dpr: 1.0,
            theme: Theme::Light,
        }
    }
}

/// The page's colour scheme (`theme=light|dark`); light is the default and the CLI's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    /// `"light"` or `"dark"`; anything else is `None`.
    pub fn parse(s: &str) -> Option<Theme> {
        match s {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// The chart's background (the page's dark surface on dark).
    pub(crate) fn background(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(255, 255, 255),
            Theme::Dark => RGBColor(24, 27, 33),
        }
    }

    /// Text and axes.
    pub(crate) fn ink(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(0, 0, 0),
            Theme::Dark => RGBColor(228, 231, 236),
        }
    }

    /// The fine and the bold grid lines.
    pub(crate) fn grid(self) -> (RGBColor, RGBColor) {
        match self {
            Theme::Light => (RGBColor(235, 235, 235), RGBColor(215, 215, 215)),
            Theme::Dark => (RGBColor(44, 48, 56), RGBColor(64, 69, 79)),
        }
    }

    /// A neutral grey for references (the overlay, perfect scaling).
    pub(crate) fn neutral(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(120, 120, 120),
            Theme::Dark => RGBColor(150, 150, 150),
        }
    }

    /// A legend's frame.
    pub(crate) fn border(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(200, 200, 200),
            Theme::Dark => RGBColor(90, 95, 105),
        }
    }

    /// A heatmap cell without a value yet.
    pub(crate) fn empty_cell(self) -> RGBColor {
        match self {
            Theme::Light => RGBColor(238, 238, 238),
            Theme::Dark => RGBColor(48, 52, 60),
        }
    }

    /// The colour of run `i` of `n` on this background, as an RGB triple.
    pub fn palette(self, i: usize, n: usize) -> (u8, u8, u8) {
        match self {
            Theme::Light => palette(i, n),
            Theme::Dark if n <= OKABE_ITO.len() => match OKABE_ITO[i % OKABE_ITO.len()] {
                (0, 0, 0) => (220, 220, 220),
                c => c,
            },
            Theme::Dark => {
                // Viridis from 0.4 on: its darker part sinks into the background.
                let t = 0.4 + 0.6 * i.min(n - 1) as f64 / (n - 1) as f64;
                let c = viridis(t);
                (c.0, c.1, c.2)
            }
        }
    }

    /// [`Theme::palette`] as a plotters colour.
    pub(crate) fn color(self, i: usize, n: usize) -> RGBColor {
        let (r, g, b) = self.palette(i, n);
        RGBColor(r, g, b)
    }
}

impl Scale {
    /// A font size, or a length that holds text, from CSS px to device px.
    pub(crate) fn text(self, css: f64) -> u32 {
        (css * self.font * self.dpr).round().max(1.0) as u32
    }

    /// [`Scale::text`] as a signed coordinate.
    pub(crate) fn text_i(self, css: f64) -> i32 {
        self.text(css) as i32
    }

    /// A line width or a marker size, from CSS px to device px (at least 1).
    pub(crate) fn line(self, css: f64) -> u32 {
        (css * self.dpr).round().max(1.0) as u32
    }

    /// [`Scale::line`] as a signed coordinate.
    pub(crate) fn line_i(self, css: f64) -> i32 {
        self.line(css) as i32
    }
}

const OKABE_ITO: [(u8, u8, u8); 8] = [
    (0, 114, 178),   // blue
    (230, 159, 0),   // orange
    (0, 158, 115),   // bluish green
    (204, 121, 167), // reddish purple
    (86, 180, 233),  // sky blue
    (213, 94, 0),    // vermillion
    (240, 228, 66),  // yellow
    (0, 0, 0),       // black
];

// Viridis at 9 evenly spaced stops; interpolated between.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 45, 123),
    (59, 82, 139),
    (44, 114, 142),
    (33, 145, 140),
    (40, 174, 128),
    (94, 201, 98),
    (173, 220, 48),
    (253, 231, 37),
];

/// The landscape's fixed colours: the linear and √ rule lines, diverged and
/// stuck-at-chance cells, and the measured steps-to-target line.
pub(crate) const LINEAR_COLOR: RGBColor = RGBColor(213, 94, 0);
pub(crate) const SQRT_COLOR: RGBColor = RGBColor(204, 121, 167);
pub(crate) const DIVERGED_COLOR: RGBColor = RGBColor(60, 60, 60);
pub(crate) const CHANCE_COLOR: RGBColor = RGBColor(150, 150, 150);
pub(crate) const MEASURED_COLOR: RGBColor = RGBColor(0, 114, 178);

/// The colour of run `i` of `n`, as an RGB triple (also used by the page's legend).
pub fn palette(i: usize, n: usize) -> (u8, u8, u8) {
    if n <= OKABE_ITO.len() {
        return OKABE_ITO[i % OKABE_ITO.len()];
    }
    // Stop short of viridis' pale yellow end, which vanishes on white.
    let t = (i.min(n - 1) as f64 / (n - 1) as f64) * 0.9 * (VIRIDIS.len() - 1) as f64;
    let (lo, f) = (t.floor() as usize, t - t.floor());
    let hi = (lo + 1).min(VIRIDIS.len() - 1);
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (VIRIDIS[lo], VIRIDIS[hi]);
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Viridis at `t` in [0, 1].
pub(crate) fn viridis(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let (lo, f) = (t.floor() as usize, t - t.floor());
    let hi = (lo + 1).min(VIRIDIS.len() - 1);
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (VIRIDIS[lo], VIRIDIS[hi]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// 1234567 → "1.2M", 0.00125 → "0.00125", 0.5 → "0.5".
pub(crate) fn short_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{}", (v * 100.0).round() / 100.0)
    } else {
        // Two significant digits, printed without an exponent.
        format!("{:.1e}", v)
            .parse::<f64>()
            .map(|x| format!("{x}"))
            .unwrap_or_default()
    }
}

/// A chart mesh in a [`Scale`]'s theme and sizes: axes, tick labels and axis titles in the
/// ink colour at 11 and 12 CSS px, and (with `grid`) the fine and bold grid lines.
pub(crate) trait Themed {
    fn themed(&mut self, scale: Scale, grid: bool) -> &mut Self;
}

impl<'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend> Themed for MeshStyle<'a, 'b, X, Y, DB> {
    fn themed(&mut self, scale: Scale, grid: bool) -> &mut Self {
        let ink = scale.theme.ink();
        let label: TextStyle<'b> = ("sans-serif", scale.text(11.0)).into_font().color(&ink);
        let desc: TextStyle<'b> = ("sans-serif", scale.text(12.0)).into_font().color(&ink);
        self.axis_style(ink.stroke_width(scale.line(1.0)))
            .label_style(label)
            .axis_desc_style(desc);
        if grid {
            let (light, bold) = scale.theme.grid();
            self.light_line_style(light.stroke_width(scale.line(1.0)))
                .bold_line_style(bold.stroke_width(scale.line(1.0)));
        }
        self
    }
}

/// A tick label on a log2 axis of batch sizes: the power of two at a whole exponent, and
/// nothing between two (a tick at 22.63 would read as a batch size).
pub(crate) fn pow2_label(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        short_number(2f64.powf(v.round()))
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_is_distinct() {
        let c: Vec<_> = (0..8).map(|i| palette(i, 8)).collect();
        for i in 0..8 {
            for j in 0..i {
                assert_ne!(c[i], c[j]);
            }
        }
        assert_ne!(palette(0, 20), palette(19, 20));
    }

    /// WCAG's relative luminance of an sRGB colour.
    fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
        let lin = |c: u8| {
            let c = c as f64 / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }

    fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn dark_theme_keeps_every_run_and_the_text_legible() {
        let t = Theme::Dark;
        let rgb = |c: RGBColor| (c.0, c.1, c.2);
        let bg = rgb(t.background());
        for n in [1, 7, 8, 9, 20, 64] {
            for i in 0..n {
                let c = contrast(t.palette(i, n), bg);
                assert!(c >= 3.0, "run {i} of {n}: contrast {c:.2} on dark");
            }
        }
        assert!(contrast(rgb(t.ink()), bg) >= 4.5);
        assert!(contrast(rgb(Theme::Light.ink()), rgb(Theme::Light.background())) >= 4.5);
        // Light stays the palette the CLI and the golden pictures use.
        assert_eq!(Theme::Light.palette(3, 8), palette(3, 8));
        assert_eq!(Theme::parse("dark"), Some(Theme::Dark));
        assert_eq!(Theme::parse("blue"), None);
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short_number(1_234_567.0), "1.2M");
        assert_eq!(short_number(24000.0), "24k");
        assert!(["0.0012", "0.0013"].contains(&short_number(0.00125).as_str()));
        assert_eq!(short_number(2.5), "2.5");
    }

    #[test]
    fn scale_multiplies_text_by_font_and_dpr_and_lines_by_dpr() {
        let s = Scale {
            font: 1.5,
            dpr: 2.0,
            ..Scale::default()
        };
        assert_eq!(s.text(11.0), 33);
        assert_eq!(s.line(2.0), 4);
        let one = Scale::default();
        assert_eq!((one.text(15.0), one.line(3.0)), (15, 3));
        // A hairline never vanishes.
        assert_eq!(
            Scale {
                font: 1.0,
                dpr: 0.3,
                ..Scale::default()
            }
            .line(1.0),
            1
        );
    }
}
