//! The lasso demo: on-device calibration of a sparse linear sensor model. A simulated 16-channel
//! sensor (a [`Sensor`] the firmware could back by real ADC reads) delivers 64 samples, paced by
//! the embedded-hal delay; the device fits `(1/(2n))‖y − Xw‖² + λ‖w‖₁` by cyclic coordinate
//! descent (`ferrokern::bcd`, f32, fixed workspace) and prints the calibrated coefficients.

use core::fmt::Write;

use embedded_hal::delay::DelayNs;
use ferrokern::bcd::{
    lasso_lambda_max, solve, workspace_len, LeastSquares, Partition, Rule, SolverConfig, Update, Workspace,
};
use ferrokern::rng::Pcg32;

use crate::{DemoError, HexOut, Summary};

/// Samples gathered for the calibration.
pub const SAMPLES: usize = 64;
/// Sensor channels (features).
pub const CHANNELS: usize = 16;
/// Sample period of the acquisition loop.
const SAMPLE_PERIOD_US: u32 = 50;
/// Fixed budget of coordinate updates: 60 sweeps (a fixed count, so host and device stop at the
/// same iterate; an f32 duality gap cannot certify much below 1e-6 anyway).
const UPDATES: usize = 60 * CHANNELS;
/// λ as a fraction of λ_max.
const LAMBDA_FRACTION: f32 = 0.05;
/// Scratch of the solver (checked against `workspace_len` at run time).
const SCRATCH: usize = 3 * CHANNELS;

/// A source of calibration samples: channel readings and the reference measurement.
pub trait Sensor {
    /// Reads all channels into `channels` and returns the reference value.
    fn sample(&mut self, channels: &mut [f32; CHANNELS]) -> f32;
}

/// Simulated sensor: correlated channels (a shared drift plus per-channel noise), and a reference
/// that depends on 4 channels through a fixed sparse truth, plus measurement noise.
pub struct SimulatedSensor {
    rng: Pcg32,
}

/// The sparse truth the simulated reference follows.
pub const TRUTH: [f32; CHANNELS] =
    [0.0, 1.5, 0.0, 0.0, -2.0, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0];

impl SimulatedSensor {
    /// A sensor whose readings follow PCG32 with `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self { rng: Pcg32::seed(seed) }
    }

    /// Uniform in [-1, 1) on a 24-bit grid (exact in f32 on every target).
    fn uniform(&mut self) -> f32 {
        2.0 * self.rng.next_f32() - 1.0
    }
}

impl Sensor for SimulatedSensor {
    fn sample(&mut self, channels: &mut [f32; CHANNELS]) -> f32 {
        let drift = self.uniform();
        let mut y = 0.0;
        for (c, t) in channels.iter_mut().zip(TRUTH) {
            *c = 0.5 * drift + self.uniform();
            y += t * *c;
        }
        y + 0.05 * self.uniform()
    }
}

/// Gathers [`SAMPLES`] samples from a [`SimulatedSensor`] (seed 7), fits the Lasso at
/// λ = 0.05·λ_max with cyclic coordinate descent (f32, 60 sweeps) and prints λ, the objective
/// and the coefficients as hex bit patterns. Stack: about 5 KB (samples 4.3 KB), no heap.
pub fn lasso<W: Write>(out: &mut W, delay: &mut impl DelayNs) -> Result<Summary, DemoError> {
    let mut p = HexOut::new(out);
    let mut sensor = SimulatedSensor::new(7);
    let mut x = [0.0f32; SAMPLES * CHANNELS];
    let mut y = [0.0f32; SAMPLES];
    for (row, target) in x.chunks_exact_mut(CHANNELS).zip(y.iter_mut()) {
        let mut ch = [0.0f32; CHANNELS];
        *target = sensor.sample(&mut ch);
        row.copy_from_slice(&ch);
        delay.delay_us(SAMPLE_PERIOD_US);
    }
    p.note(format_args!("{SAMPLES} samples x {CHANNELS} channels gathered"))?;
    let lambda = LAMBDA_FRACTION * lasso_lambda_max(&x, &y, SAMPLES, CHANNELS)?;
    let mut r = [0.0f32; SAMPLES];
    let mut problem = LeastSquares::lasso(&x, &y, SAMPLES, CHANNELS, lambda, &mut r)?;
    let config = SolverConfig {
        rule: Rule::Cyclic,
        partition: Partition::Order,
        update: Update::Gradient,
        block_size: 1,
        max_iter: UPDATES,
        tol: 0.0,
        ..SolverConfig::default()
    };
    debug_assert!(workspace_len(CHANNELS, 1, Rule::Cyclic) == Some(SCRATCH));
    let mut scratch = [0.0f32; SCRATCH];
    let mut index = [0usize; CHANNELS];
    let mut ws = Workspace::<f32, 1>::new(&mut scratch, &mut index);
    let mut w = [0.0f32; CHANNELS];
    let sol = solve(&mut problem, &mut w, &config, &mut ws)?;
    p.scalar("lambda", lambda)?;
    p.scalar("objective", sol.objective)?;
    p.scalar("gap", sol.gap)?;
    p.slice("w", &w)?;
    let support = w.iter().filter(|v| **v != 0.0).count();
    p.note(format_args!("{} updates, {support} non-zero coefficients", sol.iterations))?;
    Ok(p.finish()?)
}
