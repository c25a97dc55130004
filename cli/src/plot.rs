//! A minimal PNG plotter for `--plot FILE.png`: line plots (objective curves), scatter plots
//! with weighted segments (transport-plan links) and image grids (digits). Axes carry tick
//! marks and their end values in a tiny built-in digit font; there is no other text.

use std::path::Path;

use crate::error::{CliError, Result};
use crate::fsio::write_bytes_atomic;

/// An RGB colour.
pub type Rgb = [u8; 3];
/// Series colours, used in order.
pub const PALETTE: [Rgb; 6] =
    [[31, 119, 180], [214, 39, 40], [44, 160, 44], [255, 127, 14], [148, 103, 189], [23, 23, 23]];
const WHITE: Rgb = [255, 255, 255];
const AXIS: Rgb = [60, 60, 60];
const MARGIN: i64 = 40;

/// An RGB raster, row-major, origin at the top left.
#[derive(Debug, Clone, PartialEq)]
pub struct Canvas {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width · height · 3` bytes.
    pub pixels: Vec<u8>,
}

impl Canvas {
    /// A white canvas.
    pub fn new(width: u32, height: u32) -> Self {
        Self { width, height, pixels: WHITE.repeat(width as usize * height as usize) }
    }

    /// Blend `c` over pixel (x, y) with opacity `alpha` in [0, 1]; outside pixels are ignored.
    pub fn blend(&mut self, x: i64, y: i64, c: Rgb, alpha: f64) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        let a = alpha.clamp(0.0, 1.0);
        for (p, &c) in self.pixels[i..i + 3].iter_mut().zip(&c) {
            *p = (f64::from(*p) * (1.0 - a) + f64::from(c) * a).round() as u8;
        }
    }

    /// Straight line (Bresenham).
    pub fn line(&mut self, (mut x0, mut y0): (i64, i64), (x1, y1): (i64, i64), c: Rgb, alpha: f64) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let mut err = dx + dy;
        loop {
            self.blend(x0, y0, c, alpha);
            if x0 == x1 && y0 == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x0 += sx;
            }
            if e2 <= dx {
                err += dx;
                y0 += sy;
            }
        }
    }

    /// Filled square of side `2r+1` centred at (x, y).
    pub fn dot(&mut self, x: i64, y: i64, r: i64, c: Rgb) {
        for yy in y - r..=y + r {
            for xx in x - r..=x + r {
                self.blend(xx, yy, c, 1.0);
            }
        }
    }

    /// Draw `text` (digits, `.`, `-`, `+`, `e`; other characters leave a gap) with its top-left
    /// corner at (x, y), each font pixel `scale × scale`.
    pub fn text(&mut self, x: i64, y: i64, text: &str, scale: i64, c: Rgb) {
        for (k, ch) in text.chars().enumerate() {
            let rows = glyph(ch);
            for (r, bits) in rows.iter().enumerate() {
                for col in 0..3 {
                    if bits & (0b100 >> col) != 0 {
                        let (px, py) = (x + (k as i64 * 4 + col) * scale, y + r as i64 * scale);
                        for (dx, dy) in (0..scale).flat_map(|a| (0..scale).map(move |b| (a, b))) {
                            self.blend(px + dx, py + dy, c, 1.0);
                        }
                    }
                }
            }
        }
    }

    /// PNG bytes (8-bit RGB).
    pub fn encode_png(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, self.width, self.height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| CliError::new(format!("PNG encoding failed: {e}")))?;
        w.write_image_data(&self.pixels).map_err(|e| CliError::new(format!("PNG encoding failed: {e}")))?;
        w.finish().map_err(|e| CliError::new(format!("PNG encoding failed: {e}")))?;
        Ok(out)
    }

    /// Encode and write to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_bytes_atomic(path, &self.encode_png()?)
    }
}

/// 3×5 glyphs, one byte per row, bit 2 = left column.
fn glyph(ch: char) -> [u8; 5] {
    match ch {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 3, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 2, 2, 2],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        '.' => [0, 0, 0, 0, 2],
        '-' => [0, 0, 7, 0, 0],
        '+' => [0, 2, 7, 2, 0],
        'e' => [0, 7, 7, 4, 7],
        _ => [0; 5],
    }
}

/// Short axis label for a value.
fn label(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || (1e-2..1e4).contains(&a) {
        format!("{}", (v * 1000.0).round() / 1000.0)
    } else {
        format!("{v:.1e}")
    }
}

/// Data-to-pixel mapping of a plot area with axes drawn.
struct Frame {
    x: (f64, f64),
    y: (f64, f64),
    w: i64,
    h: i64,
}

impl Frame {
    /// Bounds of the finite points, padded so a single value still spans an interval.
    fn fit(canvas: &Canvas, pts: impl Iterator<Item = (f64, f64)>) -> Self {
        let (mut x, mut y) = ((f64::INFINITY, f64::NEG_INFINITY), (f64::INFINITY, f64::NEG_INFINITY));
        for (px, py) in pts.filter(|(a, b)| a.is_finite() && b.is_finite()) {
            x = (x.0.min(px), x.1.max(px));
            y = (y.0.min(py), y.1.max(py));
        }
        let pad = |(lo, hi): (f64, f64)| {
            if !lo.is_finite() {
                (0.0, 1.0)
            } else if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
                (lo - 0.5, hi + 0.5)
            } else {
                (lo, hi)
            }
        };
        Self { x: pad(x), y: pad(y), w: i64::from(canvas.width), h: i64::from(canvas.height) }
    }

    fn map(&self, x: f64, y: f64) -> (i64, i64) {
        let (pw, ph) = ((self.w - 2 * MARGIN) as f64, (self.h - 2 * MARGIN) as f64);
        let u = (x - self.x.0) / (self.x.1 - self.x.0);
        let v = (y - self.y.0) / (self.y.1 - self.y.0);
        (MARGIN + (u * pw).round() as i64, self.h - MARGIN - (v * ph).round() as i64)
    }

    /// Axes with 5 ticks each and the end values written under/beside them.
    fn draw_axes(&self, c: &mut Canvas) {
        let (l, r, t, b) = (MARGIN, self.w - MARGIN, MARGIN, self.h - MARGIN);
        c.line((l, b), (r, b), AXIS, 1.0);
        c.line((l, b), (l, t), AXIS, 1.0);
        for k in 0..=4 {
            let (x, y) = (l + (r - l) * k / 4, b - (b - t) * k / 4);
            c.line((x, b), (x, b + 4), AXIS, 1.0);
            c.line((l - 4, y), (l, y), AXIS, 1.0);
        }
        c.text(l, b + 8, &label(self.x.0), 1, AXIS);
        let xr = label(self.x.1);
        c.text(r - 4 * xr.len() as i64, b + 8, &xr, 1, AXIS);
        c.text(2, b - 6, &label(self.y.0), 1, AXIS);
        c.text(2, t, &label(self.y.1), 1, AXIS);
    }
}

/// Line plot of several series of (x, y) points (non-finite points are skipped, breaking the
/// line). With `log_y`, y is plotted as log10 (non-positive values skipped), e.g. for
/// objective gaps. Colours follow [`PALETTE`] in series order.
pub fn line_plot(series: &[Vec<(f64, f64)>], log_y: bool, width: u32, height: u32) -> Canvas {
    let tf = |(x, y): (f64, f64)| {
        (
            x,
            if log_y {
                if y > 0.0 {
                    y.log10()
                } else {
                    f64::NAN
                }
            } else {
                y
            },
        )
    };
    let mut c = Canvas::new(width, height);
    let frame = Frame::fit(&c, series.iter().flatten().copied().map(tf));
    frame.draw_axes(&mut c);
    for (s, colour) in series.iter().zip(PALETTE.iter().cycle()) {
        let mut prev = None;
        for p in s.iter().copied().map(tf) {
            if !(p.0.is_finite() && p.1.is_finite()) {
                prev = None;
                continue;
            }
            let q = frame.map(p.0, p.1);
            c.line(prev.unwrap_or(q), q, *colour, 1.0);
            prev = Some(q);
        }
    }
    c
}

/// A weighted link between two data points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Start (data coordinates).
    pub from: (f64, f64),
    /// End (data coordinates).
    pub to: (f64, f64),
    /// Opacity in [0, 1], e.g. a plan entry over the largest entry.
    pub weight: f64,
}

/// Points `(x, y, group)` (group picks the colour) and [`Segment`]s drawn
/// under them with opacity `weight` clamped to [0, 1] (e.g. plan entries over their maximum).
pub fn scatter_segments(
    points: &[(f64, f64, usize)],
    segments: &[Segment],
    width: u32,
    height: u32,
) -> Canvas {
    let mut c = Canvas::new(width, height);
    let frame = Frame::fit(&c, points.iter().map(|&(x, y, _)| (x, y)));
    frame.draw_axes(&mut c);
    for &Segment { from: (x0, y0), to: (x1, y1), weight: w } in segments {
        if [x0, y0, x1, y1, w].iter().all(|v| v.is_finite()) {
            c.line(frame.map(x0, y0), frame.map(x1, y1), [90, 90, 90], w);
        }
    }
    for &(x, y, g) in points.iter().filter(|p| p.0.is_finite() && p.1.is_finite()) {
        let (px, py) = frame.map(x, y);
        c.dot(px, py, 2, PALETTE[g % PALETTE.len()]);
    }
    c
}

/// Grey-scale grid of images (each `img_w × img_h` row-major values, dark = large), `cols` per
/// row, every image pixel drawn `scale × scale`, values normalised over all images.
pub fn image_grid(images: &[&[f64]], img_w: usize, img_h: usize, cols: usize, scale: usize) -> Canvas {
    let cols = cols.max(1);
    let rows = images.len().div_ceil(cols).max(1);
    let cell = |n: usize| n * scale + 2;
    let mut c = Canvas::new((cols * cell(img_w)) as u32, (rows * cell(img_h)) as u32);
    let finite = images.iter().flat_map(|im| im.iter()).copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    for (k, im) in images.iter().enumerate() {
        let (ox, oy) = ((k % cols) * cell(img_w) + 1, (k / cols) * cell(img_h) + 1);
        for (p, &v) in im.iter().take(img_w * img_h).enumerate() {
            let t = if v.is_finite() { (v - lo) / span } else { 0.0 };
            let (px, py) = (ox + (p % img_w) * scale, oy + (p / img_w) * scale);
            for d in 0..scale * scale {
                c.blend((px + d % scale) as i64, (py + d / scale) as i64, [0, 0, 0], t);
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn line_plot_file_decodes_with_size_and_colours() {
        let s1: Vec<(f64, f64)> = (0..50).map(|i| (f64::from(i), 1.0 / f64::from(i + 1))).collect();
        let s2: Vec<(f64, f64)> = (0..50).map(|i| (f64::from(i), 0.5f64.powi(i))).collect();
        let path = std::env::temp_dir().join(format!("ferrokern-plot-{}.png", std::process::id()));
        line_plot(&[s1, s2], true, 320, 200).save(&path).unwrap();
        let (info, px) = decode(&std::fs::read(&path).unwrap());
        std::fs::remove_file(&path).unwrap();
        assert_eq!((info.width, info.height, info.color_type), (320, 200, png::ColorType::Rgb));
        for colour in &PALETTE[..2] {
            assert!(px.chunks(3).any(|p| p == colour), "series colour {colour:?} missing");
        }
    }

    #[test]
    fn segment_endpoints_land_on_points() {
        let pts = [(0.0, 0.0, 0), (1.0, 1.0, 1)];
        let c =
            scatter_segments(&pts, &[Segment { from: (0.0, 0.0), to: (1.0, 1.0), weight: 1.0 }], 100, 100);
        let at = |x: usize, y: usize| &c.pixels[(y * 100 + x) * 3..][..3];
        // Data (0,0) maps to the bottom-left of the plot area, (1,1) to the top-right.
        assert_eq!(at(40, 60), PALETTE[0]);
        assert_eq!(at(60, 40), PALETTE[1]);
        assert_eq!(at(50, 50), [90, 90, 90]); // the segment's midpoint
        let (info, _) = decode(&c.encode_png().unwrap());
        assert_eq!((info.width, info.height), (100, 100));
    }

    #[test]
    fn image_grid_layout_and_shading() {
        let a = [0.0, 16.0, 16.0, 0.0];
        let c = image_grid(&[&a, &a, &a], 2, 2, 2, 3);
        assert_eq!((c.width, c.height), (2 * 8, 2 * 8));
        let at = |x: usize, y: usize| c.pixels[(y * 16 + x) * 3];
        assert_eq!(at(1, 1), 255); // value 0 → white
        assert_eq!(at(4, 1), 0); // value 16 → black
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let _ = line_plot(&[vec![], vec![(1.0, f64::NAN)], vec![(2.0, 3.0)]], false, 60, 60);
        let _ = line_plot(&[vec![(0.0, -1.0)]], true, 60, 60);
        let _ =
            scatter_segments(&[], &[Segment { from: (0.0, 0.0), to: (f64::NAN, 1.0), weight: 0.5 }], 10, 10);
        let _ = image_grid(&[], 8, 8, 4, 2);
        assert_eq!(label(0.5), "0.5");
        assert_eq!(label(1.5e-5), "1.5e-5");
    }
}
