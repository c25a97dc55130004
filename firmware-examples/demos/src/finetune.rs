//! The fine-tuning demo: a digits MLP pretrained on the host (model file linked into flash) is
//! fine-tuned on the device with diffGrad on a shifted distribution — every image moved
//! [`SHIFT`] pixels to the right — and scored before/after on the shifted test split.
//!
//! Data: `firmware-examples/finetune/data/digits-u8.bin`, rows of 64 pixels (0..=16) + label,
//! first [`TRAIN_ROWS`] rows of the training split (file order) then the [`TEST_ROWS`] rows of
//! `host-tests/data/splits/digits_test.txt`. It is regenerated/checked by this module's test.

use core::fmt::Write;

use ferrokern::model::Model;
use ferrokern::nn::{
    count_correct_batched, load_mlp_params, load_standardization, mlp_layers, params_len, standardize,
    train_buffer_len, train_step, Activation, LayerSpec, Mlp, Target, TrainBuffers,
};
use ferrokern::optim::{DiffGrad, DiffGradConfig};
use ferrokern::rng::Pcg32;
use ferrokern::Error;

use crate::{DemoError, HexOut, Summary};

/// The pretrained model (`firmware-examples/finetune/model/README.md` has the command).
pub static MODEL: &[u8] = include_bytes!("../../finetune/model/digits-64-32-10.fkm");
/// The digits rows (see the module docs).
pub static DIGITS: &[u8] = include_bytes!("../../finetune/data/digits-u8.bin");

/// Pixels per image (8 × 8).
pub const FEATURES: usize = 64;
/// Bytes per row: pixels + label.
pub const ROW_BYTES: usize = FEATURES + 1;
/// Fine-tuning rows (a prefix of the training split).
pub const TRAIN_ROWS: usize = 400;
/// Test rows (the whole test split).
pub const TEST_ROWS: usize = 540;
/// The distribution shift: columns moved right by this many pixels (zeros come in).
pub const SHIFT: usize = 2;

const NET: [LayerSpec; 2] =
    [LayerSpec::new(FEATURES, 32, Activation::Relu), LayerSpec::new(32, 10, Activation::Identity)];
const PARAMS: usize = params_len(&NET);
const BATCH: usize = 16;
const EPOCHS: usize = 10;
/// Required rise of the shifted-test accuracy, in rows (10 points of [`TEST_ROWS`]).
const MIN_RISE: usize = TEST_ROWS / 10;

/// Image `row` (pixels) moved `shift` columns right, as f32 into `out` (64 values).
fn shifted(row: &[u8], shift: usize, out: &mut [f32]) {
    for (r, line) in out.chunks_exact_mut(8).enumerate() {
        for (c, d) in line.iter_mut().enumerate() {
            let src = c.checked_sub(shift).and_then(|c0| row.get(r * 8 + c0));
            *d = src.map_or(0.0, |&p| f32::from(p));
        }
    }
}

/// Loads `rows` (byte rows of [`DIGITS`]) into `x` (standardised) and `labels`; returns the
/// row count.
fn load(
    rows: impl Iterator<Item = &'static [u8]>,
    shift: usize,
    stats: (&[f32], &[f32]),
    x: &mut [f32],
    labels: &mut [usize],
) -> Result<usize, DemoError> {
    let mut n = 0;
    for ((row, xr), l) in rows.zip(x.chunks_exact_mut(FEATURES)).zip(labels.iter_mut()) {
        shifted(row, shift, xr);
        *l = usize::from(row.get(FEATURES).copied().unwrap_or(0));
        n += 1;
    }
    let xs = x.get_mut(..n * FEATURES).ok_or(Error::SizeOverflow)?;
    standardize(xs, stats.0, stats.1)?;
    Ok(n)
}

/// Correct predictions over the test rows (shifted by `shift`).
fn score(
    mlp: &Mlp<'_>,
    params: &[f32],
    shift: usize,
    stats: (&[f32], &[f32]),
    bufs: &mut TrainBuffers<'_, f32>,
    x: &mut [f32],
) -> Result<usize, DemoError> {
    let test = DIGITS.get(TRAIN_ROWS * ROW_BYTES..).ok_or(Error::SizeOverflow)?;
    let mut labels = [0usize; BATCH];
    let mut correct = 0;
    for chunk in test.chunks(BATCH * ROW_BYTES) {
        let n = load(chunk.chunks_exact(ROW_BYTES), shift, stats, x, &mut labels)?;
        let (xs, ls) = (x.get(..n * FEATURES), labels.get(..n));
        let (xs, ls) = xs.zip(ls).ok_or(Error::SizeOverflow)?;
        correct += count_correct_batched(mlp, params, xs, ls, BATCH, bufs.acts)?;
    }
    Ok(correct)
}

/// Loads the pretrained MLP from flash, scores it on the shifted test split, fine-tunes it
/// for a few epochs of diffGrad (minibatches of 16, PCG32 seed 2026 shuffles) on shifted
/// training rows, scores it again. Prints correct counts (as f32), per-epoch mean losses and
/// the final parameters as hex bit patterns.
///
/// RAM: all buffers are locals (params, diffGrad state 3×params, one training buffer, one
/// minibatch), about 57 KB of stack; no statics, no heap.
///
/// # Errors
/// [`DemoError::Kernel`] if the model or data do not match this demo, or
/// `Error::NumericalFailure` if the shifted-test accuracy rose by less than 10 points.
pub fn finetune<W: Write>(out: &mut W) -> Result<Summary, DemoError> {
    let mut p = HexOut::new(out);
    check_len(DIGITS.len(), (TRAIN_ROWS + TEST_ROWS) * ROW_BYTES)?;
    let model = Model::parse(MODEL)?;
    let mut specs = [LayerSpec::new(1, 1, Activation::Identity); 2];
    if mlp_layers(&model, &mut specs)? != NET {
        return Err(Error::Model { reason: "model is not the 64-32-10 relu MLP", offset: 0 }.into());
    }
    let mlp = Mlp::new(&NET)?;
    let mut params = [0.0f32; PARAMS];
    load_mlp_params(&model, &NET, &mut params)?;
    let (mut mean, mut std) = ([0.0f32; FEATURES], [0.0f32; FEATURES]);
    load_standardization(&model, &mut mean, &mut std)?;
    let stats = (&mean[..], &std[..]);

    let mut buf = [0.0f32; train_buffer_len(&NET, BATCH)];
    let mut bufs = TrainBuffers::split(&mut buf, &mlp, BATCH)?;
    let mut x = [0.0f32; BATCH * FEATURES];

    let source_before = score(&mlp, &params, 0, stats, &mut bufs, &mut x)?;
    let before = score(&mlp, &params, SHIFT, stats, &mut bufs, &mut x)?;
    p.scalar("correct_unshifted_before", source_before as f32)?;
    p.scalar("correct_shifted_before", before as f32)?;

    let mut opt = DiffGrad::new(DiffGradConfig { lr: 5e-3, ..DiffGradConfig::default() });
    let mut state = [0.0f32; DiffGrad::state_len(PARAMS)];
    let mut order = [0u16; TRAIN_ROWS];
    for (i, o) in (0u16..).zip(order.iter_mut()) {
        *o = i;
    }
    let mut rng = Pcg32::seed(2026);
    let mut labels = [0usize; BATCH];
    for epoch in 0..EPOCHS {
        rng.shuffle(&mut order);
        let (mut sum, mut steps) = (0.0f32, 0u16);
        for idx in order.chunks(BATCH) {
            let rows = idx.iter().filter_map(|&i| DIGITS.get(usize::from(i) * ROW_BYTES..));
            let n = load(rows, SHIFT, stats, &mut x, &mut labels)?;
            let (xs, ls) = x.get(..n * FEATURES).zip(labels.get(..n)).ok_or(Error::SizeOverflow)?;
            sum += train_step(&mlp, &mut opt, &mut params, &mut state, xs, Target::Classes(ls), &mut bufs)?;
            steps += 1;
        }
        p.note(format_args!("epoch {epoch}: {steps} steps"))?;
        p.scalar("mean_loss", sum / f32::from(steps))?;
    }

    let after = score(&mlp, &params, SHIFT, stats, &mut bufs, &mut x)?;
    let source_after = score(&mlp, &params, 0, stats, &mut bufs, &mut x)?;
    p.scalar("correct_shifted_after", after as f32)?;
    p.scalar("correct_unshifted_after", source_after as f32)?;
    p.note(format_args!(
        "shifted test accuracy {}/{TEST_ROWS} -> {}/{TEST_ROWS} (permille {} -> {}); unshifted {} -> {}",
        before,
        after,
        before * 1000 / TEST_ROWS,
        after * 1000 / TEST_ROWS,
        source_before,
        source_after
    ))?;
    p.slice("params", &params)?;
    if after < before + MIN_RISE {
        return Err(Error::NumericalFailure { what: "fine-tuning raised accuracy by < 10 points" }.into());
    }
    Ok(p.finish()?)
}

fn check_len(found: usize, expected: usize) -> Result<(), DemoError> {
    ferrokern::error::check_len("digits data", expected, found).map_err(DemoError::from)
}

#[cfg(test)]
mod tests {
    //! Regenerates the data blob from `host-tests/data` (set `FERROKERN_REGEN=1` to write it)
    //! and checks the committed one is current.
    extern crate std;
    use super::{DIGITS, FEATURES, ROW_BYTES, TEST_ROWS, TRAIN_ROWS};
    use std::{string::String, vec::Vec};

    fn blob() -> Vec<u8> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../host-tests/data/");
        let csv = std::fs::read_to_string(String::from(root) + "digits.csv").unwrap();
        let rows: Vec<Vec<u8>> = csv
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.split(',').map(|c| c.trim().parse::<f64>().unwrap() as u8).collect())
            .collect();
        let split = std::fs::read_to_string(String::from(root) + "splits/digits_test.txt").unwrap();
        let test: Vec<usize> = split.lines().filter_map(|l| l.trim().parse().ok()).collect();
        assert_eq!(test.len(), TEST_ROWS);
        let train = (0..rows.len()).filter(|i| !test.contains(i)).take(TRAIN_ROWS);
        let mut out = Vec::new();
        for i in train.chain(test.iter().copied()) {
            assert_eq!(rows[i].len(), ROW_BYTES);
            assert!(rows[i][..FEATURES].iter().all(|&p| p <= 16) && rows[i][FEATURES] < 10);
            out.extend_from_slice(&rows[i]);
        }
        out
    }

    #[test]
    fn data_blob_is_current() {
        let fresh = blob();
        if std::env::var_os("FERROKERN_REGEN").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../finetune/data/digits-u8.bin");
            std::fs::write(path, &fresh).unwrap();
        }
        assert!(fresh == DIGITS, "digits-u8.bin is stale: rerun with FERROKERN_REGEN=1");
    }
}
