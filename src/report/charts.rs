//! The charts of `report.html`: plotters drawing into SVG strings that the page inlines.
//!
//! Text is written as SVG `<text>` elements: without the `ttf` / `ab_glyph` features plotters uses its "naive"
//! font, which only estimates text widths (0.7 em per byte) and never reads a font file, so the charts need no
//! font data and the browser sets the text in the page's font (the page's CSS overrides `font-family`).
//! Plotters escapes text and attribute values (`<`, `>`, `&`, quotes), so names from the export are safe here.
//! Every function takes rows the caller has already capped (top N): a chart's size does not grow with the tenant.

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// An sRGB colour.
pub type Rgb = (u8, u8, u8);

const FONT: &str = "sans-serif";
const TEXT: Rgb = (31, 41, 55);
const MUTED: Rgb = (107, 114, 128);
const RULE: Rgb = (209, 213, 219);
/// Width of every chart's view box; the page scales it to its column.
const WIDTH: u32 = 640;
/// Longest label drawn, in characters (longer ones end with an ellipsis).
const MAX_LABEL_CHARS: usize = 32;

/// One series of a bar chart: its name (in the legend) and colour.
pub struct Series {
    pub name: String,
    pub color: Rgb,
}

/// One bar: a label and one value per series (stacked, in series order).
pub struct BarRow {
    pub label: String,
    pub values: Vec<u64>,
}

/// One business unit of the tree diagram, in depth-first order.
pub struct TreeRow {
    pub label: String,
    pub depth: usize,
    /// Index of the parent row (`None` for a root, or when the parent was not drawn).
    pub parent: Option<usize>,
    pub value: u64,
    pub disabled: bool,
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("cannot draw a chart: {e:?}")
}

/// Plotters writes `font-size` as the given size / 1.24; this takes the size in pixels wanted in the SVG.
fn text_style(size: u32, color: Rgb, h: HPos) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size as f64 * 1.24).into_font(),
        color: rgb(color).to_backend_color(),
        pos: Pos::new(h, VPos::Center),
    }
}

/// A text's width in pixels, estimated generously (0.62 em a character: DejaVu Sans, a common fallback, is wide).
fn text_width(text: &str, size: u32) -> i32 {
    (size as f64 * 0.62 * text.chars().count() as f64).round() as i32
}

/// `label`, cut to `max` characters with an ellipsis.
pub fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_string();
    }
    let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1234` -> `1.2k`, `2500000` -> `2.5M`: for cells and axis ticks.
pub fn compact(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{:.0}k", n as f64 / 1e3),
        1_000_000..=9_999_999 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{:.0}M", n as f64 / 1e6),
    }
}

/// Draws into a fresh SVG [`WIDTH`] wide and returns it, made responsive and accessible (`role="img"`, the label).
fn svg(height: u32, label: &str, draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<()>) -> Result<String> {
    svg_sized((WIDTH, height), label, draw)
}

fn svg_sized(
    size: (u32, u32),
    label: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<()>,
) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        draw(&root)?;
        root.present().map_err(err)?;
    }
    // The page sizes charts with CSS (the view box keeps the proportions).
    let attrs = format!(
        "<svg class=\"chart-svg\" role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMinYMin meet\" ",
        super::html::escape(label)
    );
    Ok(buf.replacen("<svg ", &attrs, 1))
}

fn legend(root: &DrawingArea<SVGBackend, Shift>, series: &[Series], x: i32, y: i32) -> Result<()> {
    let mut x = x;
    for s in series {
        root.draw(&Rectangle::new([(x, y - 5), (x + 10, y + 5)], rgb(s.color).filled()))
            .map_err(err)?;
        root.draw_text(&s.name, &text_style(12, MUTED, HPos::Left), (x + 15, y))
            .map_err(err)?;
        x += 15 + text_width(&s.name, 12) + 18;
    }
    Ok(())
}

/// Horizontal bars, stacked by series, with the label on the left and the total on the right.
pub fn horizontal_bars(label: &str, series: &[Series], rows: &[BarRow], show_legend: bool) -> Result<String> {
    const ROW: i32 = 26;
    const BAR: i32 = 16;
    let top = if show_legend { 30 } else { 6 };
    let height = (top + ROW * rows.len().max(1) as i32 + 8) as u32;
    let labels: Vec<String> = rows.iter().map(|r| shorten(&r.label, MAX_LABEL_CHARS)).collect();
    let label_width = labels
        .iter()
        .map(|l| text_width(l, 13))
        .max()
        .unwrap_or(0)
        .clamp(60, 270)
        + 12;
    let totals: Vec<u64> = rows.iter().map(|r| r.values.iter().sum()).collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1);
    let value_room = text_width(&thousands(max), 12) + 14;
    let bar_width = (WIDTH as i32 - label_width - value_room - 4).max(40);
    svg(height, label, |root| {
        if show_legend {
            // From the left edge: long legends would run off the right of the bar area.
            legend(root, series, 8, 14)?;
        }
        if rows.is_empty() {
            root.draw_text(
                "nothing to show",
                &text_style(13, MUTED, HPos::Left),
                (label_width, top + ROW / 2),
            )
            .map_err(err)?;
            return Ok(());
        }
        for (i, row) in rows.iter().enumerate() {
            let y = top + i as i32 * ROW;
            let mid = y + ROW / 2;
            root.draw_text(&labels[i], &text_style(13, TEXT, HPos::Right), (label_width - 10, mid))
                .map_err(err)?;
            let mut x = label_width;
            let mut acc = 0u64;
            for (v, s) in row.values.iter().zip(series) {
                if *v == 0 {
                    continue;
                }
                acc += v;
                let end = label_width + (acc as f64 / max as f64 * bar_width as f64).round() as i32;
                let end = end.max(x + 2);
                root.draw(&Rectangle::new(
                    [(x, mid - BAR / 2), (end, mid + BAR / 2)],
                    rgb(s.color).filled(),
                ))
                .map_err(err)?;
                x = end;
            }
            root.draw_text(&thousands(totals[i]), &text_style(12, MUTED, HPos::Left), (x + 6, mid))
                .map_err(err)?;
        }
        root.draw(&PathElement::new(
            vec![(label_width, top), (label_width, top + ROW * rows.len() as i32)],
            rgb(RULE).stroke_width(1),
        ))
        .map_err(err)?;
        Ok(())
    })
}

/// A sequential colour scale from near-white to deep blue; `t` in 0..=1.
fn heat(t: f64) -> Rgb {
    let (a, b) = ((239.0, 244.0, 250.0), (23.0, 58.0, 140.0));
    let mix = |x: f64, y: f64| (x + (y - x) * t.clamp(0.0, 1.0)).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A heat map: one row per label, one column per name of `columns`, and a last column of plain numbers
/// (`total_name`). Cell colours grow with the square root of the value (a few huge cells would wash out the rest).
pub fn heat_map(label: &str, columns: &[&str], total_name: &str, rows: &[(String, Vec<u64>, u64)]) -> Result<String> {
    const ROW: i32 = 24;
    const HEAD: i32 = 30;
    let labels: Vec<String> = rows.iter().map(|r| shorten(&r.0, MAX_LABEL_CHARS)).collect();
    let label_width = labels
        .iter()
        .map(|l| text_width(l, 12))
        .max()
        .unwrap_or(0)
        .clamp(60, 230)
        + 12;
    let total_width = 80;
    let cell = ((WIDTH as i32 - label_width - total_width) / columns.len().max(1) as i32).min(110);
    let height = (HEAD + ROW * rows.len().max(1) as i32 + 34) as u32;
    let max = rows.iter().flat_map(|r| r.1.iter().copied()).max().unwrap_or(0).max(1) as f64;
    svg(height, label, |root| {
        for (c, name) in columns.iter().enumerate() {
            let x = label_width + c as i32 * cell + cell / 2;
            root.draw_text(name, &text_style(12, TEXT, HPos::Center), (x, HEAD / 2))
                .map_err(err)?;
        }
        let tx = label_width + columns.len() as i32 * cell + total_width - 6;
        root.draw_text(total_name, &text_style(12, TEXT, HPos::Right), (tx, HEAD / 2))
            .map_err(err)?;
        for (i, (_, values, total)) in rows.iter().enumerate() {
            let y = HEAD + i as i32 * ROW;
            let mid = y + ROW / 2;
            root.draw_text(&labels[i], &text_style(12, TEXT, HPos::Right), (label_width - 8, mid))
                .map_err(err)?;
            for (c, v) in values.iter().enumerate() {
                let t = (*v as f64 / max).sqrt();
                let x = label_width + c as i32 * cell;
                root.draw(&Rectangle::new(
                    [(x + 1, y + 1), (x + cell - 1, y + ROW - 1)],
                    rgb(heat(t)).filled(),
                ))
                .map_err(err)?;
                if *v > 0 {
                    let ink = if t > 0.55 { (255, 255, 255) } else { TEXT };
                    root.draw_text(&compact(*v), &text_style(11, ink, HPos::Center), (x + cell / 2, mid))
                        .map_err(err)?;
                }
            }
            root.draw_text(&thousands(*total), &text_style(12, MUTED, HPos::Right), (tx, mid))
                .map_err(err)?;
        }
        // The scale.
        let ly = HEAD + ROW * rows.len().max(1) as i32 + 18;
        root.draw_text("fewer", &text_style(11, MUTED, HPos::Right), (label_width - 6, ly))
            .map_err(err)?;
        let steps = 20;
        let span = cell * columns.len() as i32;
        for s in 0..steps {
            let x0 = label_width + s * span / steps;
            let x1 = label_width + (s + 1) * span / steps;
            root.draw(&Rectangle::new(
                [(x0, ly - 5), (x1, ly + 5)],
                rgb(heat(s as f64 / (steps - 1) as f64)).filled(),
            ))
            .map_err(err)?;
        }
        root.draw_text("more", &text_style(11, MUTED, HPos::Left), (label_width + span + 6, ly))
            .map_err(err)?;
        Ok(())
    })
}

/// Volumes over time as columns on a date axis, `width` wide. `days` are (days since the epoch, count), sorted,
/// possibly sparse (a missing day is zero); each column is `bucket` days wide. `day_label` formats an axis tick.
pub fn daily_columns(
    label: &str,
    days: &[(i64, u64)],
    bucket: i64,
    color: Rgb,
    width: u32,
    day_label: &dyn Fn(i64) -> String,
) -> Result<String> {
    let height = 240;
    let first = days.first().map_or(0, |d| d.0);
    let bucket = bucket.max(1);
    let span = days.last().map_or(0, |d| d.0) - first + bucket;
    let max = days.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    svg_sized((width, height), label, |root| {
        // x is the day's offset from the first day: plotters places "nice" ticks (every 5, 10, 20 days...).
        let mut chart = ChartBuilder::on(root)
            .margin_top(10)
            .margin_right(44)
            .x_label_area_size(28)
            .y_label_area_size(52)
            .build_cartesian_2d(0..span, 0u64..(max + max / 10).max(1))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(rgb((235, 237, 240)))
            .axis_style(rgb(RULE))
            .x_labels(12)
            .y_labels(5)
            .x_label_formatter(&|d| day_label(first + *d))
            .y_label_formatter(&|v| compact(*v))
            .label_style(TextStyle {
                font: (FONT, 12.0 * 1.24).into_font(),
                color: rgb(MUTED).to_backend_color(),
                pos: Pos::new(HPos::Left, VPos::Top),
            })
            .draw()
            .map_err(err)?;
        chart
            .draw_series(days.iter().map(|&(d, n)| {
                let x = d - first;
                let mut r = Rectangle::new([(x, 0), (x + bucket, n)], rgb(color).filled());
                if span / bucket < 400 {
                    r.set_margin(0, 0, 1, 1);
                }
                r
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// The business-unit tree: one row per unit, indented by depth, joined to its parent, with a bar of `value`.
pub fn tree(label: &str, rows: &[TreeRow], value_name: &str) -> Result<String> {
    const ROW: i32 = 22;
    const INDENT: i32 = 16;
    const HEAD: i32 = 22;
    let height = (HEAD + ROW * rows.len().max(1) as i32 + 6) as u32;
    let name_end = rows
        .iter()
        .map(|r| r.depth as i32 * INDENT + 14 + text_width(&shorten(&r.label, MAX_LABEL_CHARS), 12))
        .max()
        .unwrap_or(0)
        .clamp(120, 360)
        + 16;
    let max = rows.iter().map(|r| r.value).max().unwrap_or(0).max(1);
    let bar_width = (WIDTH as i32 - name_end - 70).max(40);
    svg(height, label, |root| {
        root.draw_text(value_name, &text_style(12, MUTED, HPos::Left), (name_end, HEAD / 2))
            .map_err(err)?;
        for (i, r) in rows.iter().enumerate() {
            let mid = HEAD + i as i32 * ROW + ROW / 2;
            let x = 6 + r.depth as i32 * INDENT;
            if let Some(p) = r.parent {
                let px = 6 + rows[p].depth as i32 * INDENT + 4;
                let py = HEAD + p as i32 * ROW + ROW / 2 + 6;
                root.draw(&PathElement::new(
                    vec![(px, py), (px, mid), (x - 3, mid)],
                    rgb(RULE).stroke_width(1),
                ))
                .map_err(err)?;
            }
            let dot = if r.disabled { MUTED } else { (37, 99, 235) };
            root.draw(&Circle::new((x + 4, mid), 3, rgb(dot).filled()))
                .map_err(err)?;
            let name = if r.disabled {
                format!("{} (disabled)", shorten(&r.label, MAX_LABEL_CHARS))
            } else {
                shorten(&r.label, MAX_LABEL_CHARS)
            };
            let ink = if r.disabled { MUTED } else { TEXT };
            root.draw_text(&name, &text_style(12, ink, HPos::Left), (x + 12, mid))
                .map_err(err)?;
            let w = (r.value as f64 / max as f64 * bar_width as f64).round() as i32;
            if r.value > 0 {
                root.draw(&Rectangle::new(
                    [(name_end, mid - 6), (name_end + w.max(2), mid + 6)],
                    rgb((147, 177, 230)).filled(),
                ))
                .map_err(err)?;
            }
            root.draw_text(
                &thousands(r.value),
                &text_style(12, MUTED, HPos::Left),
                (name_end + w.max(2) + 6, mid),
            )
            .map_err(err)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(compact(9999), "9999");
        assert_eq!(compact(12_345), "12k");
        assert_eq!(compact(2_500_000), "2.5M");
    }

    #[test]
    fn labels_are_shortened_by_characters() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("Dvořák Dvořák", 6), "Dvořá…");
    }

    #[test]
    fn charts_are_svg_with_escaped_text_and_an_accessible_label() {
        let series = [Series {
            name: "direct".into(),
            color: (1, 2, 3),
        }];
        let rows = [BarRow {
            label: "<script>alert(1)</script>".into(),
            values: vec![5],
        }];
        let svg = horizontal_bars("Shares <by> principal", &series, &rows, true).unwrap();
        assert!(svg.starts_with("<svg class=\"chart-svg\" role=\"img\" aria-label=\"Shares &lt;by&gt; principal\""));
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn empty_inputs_draw_without_errors() {
        assert!(horizontal_bars("x", &[], &[], false).is_ok());
        assert!(heat_map("x", &["Basic"], "users", &[]).is_ok());
        assert!(daily_columns("x", &[], 1, (0, 0, 0), 900, &|d| d.to_string()).is_ok());
        assert!(tree("x", &[], "users").is_ok());
    }
}
