//! The gbnn demo: a boosted network trained on the host (`firmware-examples/gbnn/model/`,
//! breast_cancer, T = 100, J = 1) classifies the spec's test split on the device, with its
//! hidden units pruned at run time (spec `gbnn.md` §5) to fit a budget of multiply-adds per
//! sample.

use core::fmt::Write;

use embedded_hal::delay::DelayNs;
use ferrokern::boost::{load_gbnn, model_len, MergedModel};
use ferrokern::model::Model;

use crate::gbnn_data::{FEATURES, ROWS, X, Y};
use crate::{DemoError, HexOut, Summary};

/// 16-byte alignment for the embedded model file (its tensor data offsets are multiples of 16).
#[repr(C, align(16))]
struct Aligned<T: ?Sized>(T);

const MODEL_LEN: usize = include_bytes!("../../gbnn/model/breast_cancer.fkm").len();
static MODEL: Aligned<[u8; MODEL_LEN]> = Aligned(*include_bytes!("../../gbnn/model/breast_cancer.fkm"));

/// Largest boosting step count the static weight buffer holds (J = 1, binary).
const MAX_STEPS: usize = 100;
/// Weight buffer (f32 elements) for the largest model.
const BUF_LEN: usize = model_len(FEATURES, MAX_STEPS, 1, 1);
/// Rows per inference chunk (scratch `CHUNK · (d + H)`).
const CHUNK: usize = 8;

/// Budgets in multiply-adds per sample (`usize::MAX` = unlimited); each hidden unit costs
/// `d + K` of them, so a budget keeps the first `⌊budget / (d + K)⌋` units.
const BUDGETS: [usize; 4] = [usize::MAX, 1600, 800, 320];

/// Loads the embedded model, then for every budget prints the number of correctly classified
/// test rows and the raw scores' hex bits (171 rows). `delay` is unused (one pass).
///
/// Stack: the f32 weight buffer (~14 KB for T = 100) + scores and scratch (~5 KB); no heap.
pub fn gbnn<W: Write>(out: &mut W, _delay: &mut impl DelayNs) -> Result<Summary, DemoError> {
    let mut p = HexOut::new(out);
    let model = Model::parse(&MODEL.0)?;
    let mut buf = [0.0f32; BUF_LEN];
    let shape = load_gbnn(&model, &mut buf)?;
    let weights = buf.get(..shape.model_len()).ok_or(ferrokern::Error::SizeOverflow)?;
    let net = MergedModel::new(shape, weights)?;
    let (h, per_unit) = (shape.hidden(), FEATURES + shape.outputs());
    p.note(format_args!("model {MODEL_LEN} bytes, {h} hidden units, {ROWS} test rows"))?;
    let mut scores = [0.0f32; ROWS];
    let mut labels = [0usize; ROWS];
    let mut scratch = [0.0f32; CHUNK * (FEATURES + MAX_STEPS)];
    for budget in BUDGETS {
        let units = (budget / per_unit).clamp(1, h);
        net.scores(&X, units, &mut scores, &mut scratch)?;
        net.classes(&scores, false, &mut labels)?;
        let correct = labels.iter().zip(Y.iter()).filter(|(l, y)| **l == usize::from(**y)).count();
        p.note(format_args!("units {units}/{h}: {correct}/{ROWS} correct"))?;
        p.scalar("units", units as f32)?;
        p.scalar("correct", correct as f32)?;
        p.slice("scores", &scores)?;
    }
    Ok(p.finish()?)
}
