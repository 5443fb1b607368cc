//! Titles and legends above a plot: every panel's title ([`title`]), and the legend engine
//! of the landscape's panels, a legend laid out in centred rows that fit the panel's
//! width, above the plot rather than inside it (a legend box inside the plot would hide
//! heatmap cells or points). The learning curves use plotters' own series legend instead
//! (inside the accuracy panel, where the curves leave room).
//!
//! Text is measured with the backend (so rows break where the drawn text really ends),
//! but always at its CSS size, then scaled by dpr ([`measure`]): in a browser plotters
//! measures text in a span of the page, whose width the viewport bounds, so a title in a
//! 45 px font (15 px at dpr 3) on a 390 px wide phone would be measured as wrapped onto
//! two lines, and the panel would lose a line of height and a legend entry its width.
//! Which entries a legend has is the caller's. Sizes are CSS pixels turned into device
//! pixels by [`Scale`].

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::Scale;

/// What a legend entry shows before its text.
#[derive(Clone, Copy)]
pub(crate) enum Key {
    /// A line of this colour and width (CSS px).
    Line(RGBColor, f64),
    /// A small filled square (a heatmap cell), crossed in white if `true`.
    Cell(RGBColor, bool),
    /// A cross marker of this colour.
    Cross(RGBColor),
}

/// One legend: each entry's text and key.
pub(crate) type Legend<'a> = [(&'a str, Key)];

/// One row of a laid-out legend: (entry index, entry width in device px).
type Row = Vec<(usize, i32)>;

/// The size in device pixels of `text` in a `css_px` font (at `scale.font`), measured at
/// its CSS size and scaled by `scale.dpr` (see the file's header for why).
pub(crate) fn measure<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    css_px: f64,
    scale: Scale,
) -> Result<(i32, i32), DrawingAreaErrorKind<DB::ErrorType>> {
    let font = ("sans-serif", css_px * scale.font)
        .into_font()
        .color(&BLACK);
    let (w, h) = area.estimate_text_size(text, &font)?;
    let px = |v: u32| (v as f64 * scale.dpr).round() as i32;
    Ok((px(w), px(h)))
}

/// Draws `text` centred at the top of `area` in a 15 px font and returns the rest of the
/// area, for a chart with `margin` (CSS px) around it: plotters' chart caption (half the
/// text's height above and below it, at most 5 px, inside the margin), with the text
/// measured by [`measure`].
pub(crate) fn title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    scale: Scale,
    margin: f64,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let text_h = measure(area, text, 15.0, scale)?.1;
    let pad = (text_h / 2).min(scale.line_i(5.0));
    let style = ("sans-serif", scale.text(15.0))
        .into_font()
        .color(&scale.theme.ink())
        .pos(Pos::new(HPos::Center, VPos::Top));
    let w = area.dim_in_pixel().0 as i32;
    area.draw_text(text, &style, (w / 2, scale.text_i(margin) + pad))?;
    Ok(area.split_vertically(2 * pad + text_h).1)
}

/// Lays `legend` out in centred rows that fit `area`'s width.
pub(crate) fn legend_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    legend: &Legend,
    scale: Scale,
) -> Result<Vec<Row>, DrawingAreaErrorKind<DB::ErrorType>> {
    let fs = |px: f64| scale.text_i(px);
    let room = area.dim_in_pixel().0 as i32 - 2 * fs(8.0);
    let (key_w, gap, space) = (fs(18.0), fs(5.0), fs(14.0));
    let mut rows: Vec<Row> = vec![Vec::new()];
    let mut row_w = 0;
    for (i, (text, _)) in legend.iter().enumerate() {
        let entry = key_w + gap + measure(area, text, 11.0, scale)?.0;
        let row = rows.last_mut().expect("at least one row");
        if !row.is_empty() && row_w + space + entry > room {
            rows.push(vec![(i, entry)]);
            row_w = entry;
        } else {
            row_w += if row.is_empty() { entry } else { space + entry };
            row.push((i, entry));
        }
    }
    Ok(rows)
}

/// Draws `title` and, under it, `legend` (at least `min_rows` rows) at the top of
/// `area`, and returns the rest of the area for the plot.
pub(crate) fn title_and_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &Legend,
    scale: Scale,
    min_rows: usize,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let fs = |px: f64| scale.text_i(px);
    let rows = legend_rows(area, legend, scale)?;
    let w = area.dim_in_pixel().0 as i32;
    let (key_w, gap, space, row_h) = (fs(18.0), fs(5.0), fs(14.0), fs(17.0));
    let title_h = fs(6.0) + fs(15.0) + fs(6.0);
    let height = title_h + rows.len().max(min_rows) as i32 * row_h;
    let (head, body) = area.split_vertically(height);
    let title_style = ("sans-serif", scale.text(15.0))
        .into_font()
        .color(&scale.theme.ink())
        .pos(Pos::new(HPos::Center, VPos::Top));
    head.draw_text(title, &title_style, (w / 2, fs(6.0)))?;
    let label = ("sans-serif", scale.text(11.0))
        .into_font()
        .color(&scale.theme.ink())
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (r, row) in rows.iter().enumerate() {
        let total: i32 = row.iter().map(|e| e.1).sum::<i32>() + space * (row.len() as i32 - 1);
        let mut x = (w - total) / 2;
        let y = title_h + r as i32 * row_h + row_h / 2;
        for &(i, entry) in row {
            let (text, key) = legend[i];
            let (cx, half) = (x + key_w / 2, fs(5.0));
            match key {
                Key::Line(c, width) => {
                    head.draw(&PathElement::new(
                        vec![(x, y), (x + key_w, y)],
                        c.stroke_width(scale.line(width)),
                    ))?;
                }
                Key::Cell(c, crossed) => {
                    head.draw(&Rectangle::new(
                        [(cx - half, y - half), (cx + half, y + half)],
                        c.filled(),
                    ))?;
                    if crossed {
                        head.draw(&Cross::new(
                            (cx, y),
                            half - scale.line_i(1.0),
                            WHITE.stroke_width(scale.line(2.0)),
                        ))?;
                    }
                }
                Key::Cross(c) => {
                    head.draw(&Cross::new((cx, y), half, c.stroke_width(scale.line(2.0))))?;
                }
            }
            head.draw_text(text, &label, (x + key_w + gap, y))?;
            x += entry + space;
        }
    }
    Ok(body)
}
