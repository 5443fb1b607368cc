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

use plotters::style::RGBColor;

/// How large to draw: `font` is a pure size factor for text (1 = the default sizes),
/// `dpr` the canvas' device pixels per CSS pixel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub font: f64,
    pub dpr: f64,
}

impl Default for Scale {
    fn default() -> Self {
        Scale {
            font: 1.0,
            dpr: 1.0,
        }
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
/// Grid lines of a plot.
pub(crate) const LIGHT_GRID: RGBColor = RGBColor(235, 235, 235);
pub(crate) const BOLD_GRID: RGBColor = RGBColor(215, 215, 215);

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

/// [`palette`] as a plotters colour.
pub(crate) fn color(i: usize, n: usize) -> RGBColor {
    let (r, g, b) = palette(i, n);
    RGBColor(r, g, b)
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
        };
        assert_eq!(s.text(11.0), 33);
        assert_eq!(s.line(2.0), 4);
        let one = Scale::default();
        assert_eq!((one.text(15.0), one.line(3.0)), (15, 3));
        // A hairline never vanishes.
        assert_eq!(
            Scale {
                font: 1.0,
                dpr: 0.3
            }
            .line(1.0),
            1
        );
    }
}
