//! `denoise sample`: digits from a teacher (Euler, guided) or a student (one evaluation).

use std::path::PathBuf;

use ferrokern::denoise::{
    clipped_fraction, clipped_fraction_beyond, ApgConfig, ApgMode, GuidanceKind, CLASSES, HALF_GREY_LEVEL,
    PIXELS,
};
use ferrokern::rng::Pcg32;
use serde_json::json;

use super::model::{clip, noise, student_sample, teacher_sample, FlowNet};
use crate::error::{CliError, Result};
use crate::output::{Ctx, Stopwatch};

/// Guidance rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Guidance {
    /// Classifier-free guidance.
    Cfg,
    /// Adaptive projected guidance (paper mode, in x̂0 space).
    Apg,
    /// Adaptive guidance: CFG until cond/uncond agree past --ag-threshold, then conditional only.
    Ag,
}

impl Guidance {
    fn name(self) -> &'static str {
        match self {
            Guidance::Cfg => "cfg",
            Guidance::Apg => "apg",
            Guidance::Ag => "ag",
        }
    }
}

/// `denoise sample` options.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A flow-teacher or flow-student model file.
    #[arg(long, value_name = "MODEL.fkm")]
    model: PathBuf,
    /// Digit to generate (0–9).
    #[arg(long)]
    class: usize,
    /// Number of samples.
    #[arg(long, default_value_t = 1)]
    count: usize,
    /// Steer away from this digit (teacher only; CFG with this class in place of the null class).
    #[arg(long)]
    negative_class: Option<usize>,
    /// Guidance rule (a student was distilled with cfg and accepts only cfg).
    #[arg(long, value_enum, default_value_t = Guidance::Cfg)]
    guidance: Guidance,
    /// Guidance scale w (1 = no guidance).
    #[arg(long, default_value_t = 2.0)]
    scale: f64,
    /// Euler steps (teacher).
    #[arg(long, default_value_t = 64)]
    steps: usize,
    /// APG: weight η of the parallel component.
    #[arg(long, default_value_t = 0.0)]
    apg_eta: f64,
    /// APG: norm threshold r on ||Δ||₂ over the 64 pixels: 0.3125 = 5·√(64/16384), the
    /// community setting r = 5 for SD latents (16384 values) as the same per-pixel bound (r = 5
    /// itself never binds on 64 pixels).
    #[arg(long, default_value_t = 0.3125)]
    apg_r: f64,
    /// APG: momentum β.
    #[arg(long, allow_negative_numbers = true, default_value_t = -0.5)]
    apg_beta: f64,
    /// AG: cosine threshold γ̄.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.99)]
    ag_threshold: f64,
    /// Seed of the noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Also draw the samples into this PNG grid.
    #[arg(long, value_name = "GRID.png")]
    out: Option<PathBuf>,
}

/// ASCII art of one 8×8 image in [−1, 1].
pub fn ascii(img: &[f32]) -> String {
    const SHADES: &[u8] = b" .:-=+*#%@";
    img.chunks(8)
        .map(|row| {
            row.iter()
                .map(|&v| SHADES[(((v.clamp(-1.0, 1.0) + 1.0) / 2.0 * 9.0).round() as usize).min(9)] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(args: &Args) -> Result<()> {
    if args.class >= CLASSES {
        return Err(CliError::param("class", "must be a digit 0..=9"));
    }
    if args.count == 0 || args.count > 100_000 {
        return Err(CliError::param("count", "must be in 1..=100000"));
    }
    if args.negative_class.is_some_and(|n| n >= CLASSES) {
        return Err(CliError::param("negative-class", "must be a digit 0..=9"));
    }
    if !(args.scale.is_finite() && args.scale >= 0.0) {
        return Err(CliError::param("scale", "must be a finite number >= 0"));
    }
    if args.steps == 0 {
        return Err(CliError::param("steps", "must be > 0"));
    }
    if !(args.apg_eta.is_finite() && args.apg_r.is_finite() && args.apg_beta.is_finite()) {
        return Err(CliError::param("apg-eta", "APG parameters must be finite"));
    }
    if !args.ag_threshold.is_finite() {
        return Err(CliError::param("ag-threshold", "must be finite"));
    }
    Ok(())
}

/// Draws the samples.
pub fn run(args: Args, ctx: &Ctx) -> Result<()> {
    check(&args)?;
    if let Some(path) = &args.out {
        crate::fsio::check_output(path, "out")?;
    }
    let net = FlowNet::load(&args.model)?;
    let labels = vec![args.class; args.count];
    let scales = vec![args.scale; args.count];
    let mut rng = Pcg32::seed(args.seed);
    let z = noise(&mut rng, args.count);
    let kernel = |e| CliError::kernel("denoise sample", e);
    let mut sw = Stopwatch::new();
    let (mut x, evaluations, model_kind) = match &net {
        FlowNet::Teacher(p) => {
            let kind = match (args.guidance, args.negative_class) {
                (Guidance::Cfg, Some(label)) => GuidanceKind::Negative { label },
                (_, Some(_)) => {
                    return Err(CliError::param("negative-class", "works with --guidance cfg only"))
                }
                (Guidance::Cfg, None) => GuidanceKind::Cfg,
                (Guidance::Apg, None) => GuidanceKind::Apg(ApgConfig {
                    w: args.scale,
                    eta: args.apg_eta,
                    norm_threshold: args.apg_r,
                    momentum: args.apg_beta,
                    mode: ApgMode::Paper,
                }),
                (Guidance::Ag, None) => GuidanceKind::Adaptive { threshold: args.ag_threshold },
            };
            let mut x = z;
            let ev =
                sw.time(|| teacher_sample(p, &kind, &labels, &scales, args.steps, &mut x)).map_err(kernel)?;
            (x, ev, "flow-teacher")
        }
        FlowNet::Student(p) => {
            if args.guidance != Guidance::Cfg {
                return Err(CliError::param(
                    "guidance",
                    "a one-step student is distilled with cfg; use a teacher",
                ));
            }
            if args.negative_class.is_some() {
                return Err(CliError::param(
                    "negative-class",
                    "needs a teacher model (the student has no negative input)",
                ));
            }
            let x = sw.time(|| student_sample(p, &z, &labels, &scales)).map_err(kernel)?;
            (x, args.count as u64, "flow-student")
        }
    };
    // Fraction of pixels the sampler put outside [−1, 1] (saturation), before clipping.
    let clipped = clipped_fraction(&x).map_err(kernel)?;
    // Beyond half a grey level: oversaturation, not a background a hair below −1.
    let oversaturated = clipped_fraction_beyond(&x, HALF_GREY_LEVEL).map_err(kernel)?;
    clip(&mut x);
    if let Some(path) = &args.out {
        let imgs: Vec<Vec<f64>> =
            x.chunks(PIXELS).map(|r| r.iter().map(|&v| f64::from(v)).collect()).collect();
        let refs: Vec<&[f64]> = imgs.iter().map(Vec::as_slice).collect();
        crate::plot::image_grid(&refs, 8, 8, 10, 6).save(path)?;
    }
    let samples: Vec<Vec<f64>> =
        x.chunks(PIXELS).map(|r| r.iter().map(|&v| (f64::from(v) * 1e6).round() / 1e6).collect()).collect();
    ctx.finish(
        sw.seconds(),
        json!({
            "samples": samples, "classes": labels, "guidance": args.guidance.name(), "scale": args.scale,
            "evaluations": evaluations, "model": model_kind, "negative_class": args.negative_class,
            "clipped_fraction": clipped, "oversaturated_fraction": oversaturated,
        }),
        || {
            let mut text = format!(
                "{} sample(s) of digit {} from the {model_kind}, {} w = {}, {evaluations} network evaluations, {:.3}s\n",
                args.count,
                args.class,
                args.guidance.name(),
                args.scale,
                sw.seconds()
            );
            for img in x.chunks(PIXELS).take(3) {
                text.push_str(&ascii(img));
                text.push_str("\n\n");
            }
            text
        },
    )
}
