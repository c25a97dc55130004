//! Tour demo: the committed one-step student and its flow teacher (spec `denoiser.md`) draw
//! digits 0–9 from the same noise at CFG w = 2: the student in one network evaluation per
//! digit, the teacher with 32 Euler steps (64 evaluations). A PNG grid shows the student's row
//! above the teacher's; the committed judge scores both. Checks: both reach the issue's
//! conditional accuracy ≥ 0.90.

use ferrokern::denoise::{GuidanceKind, CLASSES, PIXELS};
use ferrokern::rng::Pcg32;
use serde_json::json;

use super::{Demo, DemoOutput, DemoSettings};
use crate::cmd::denoise::model::{
    clip, noise, student_sample, teacher_sample, FlowNet, Judge, JUDGE_FKM, STUDENT_FKM, TEACHER_FKM,
};
use crate::error::{CliError, Result};
use crate::output::{Progress, Stopwatch};

/// The registry entry.
pub const DEMO: Demo = Demo {
    name: "denoise",
    description: "digits 0-9 from the one-step distilled student vs its 32-step flow teacher (CFG w = 2)",
    run,
};

/// The conditional-accuracy goal at w = 2.
pub const MIN_ACCURACY: f64 = 0.90;

fn run(settings: &DemoSettings, progress: &Progress) -> Result<DemoOutput> {
    let (FlowNet::Student(student), FlowNet::Teacher(teacher)) = (
        FlowNet::from_bytes(STUDENT_FKM, "committed student")?,
        FlowNet::from_bytes(TEACHER_FKM, "committed teacher")?,
    ) else {
        return Err(CliError::new("committed student/teacher files have the wrong kinds"));
    };
    let judge = Judge::from_bytes(JUDGE_FKM, "committed judge")?;
    let per_class = if settings.quick { 2 } else { 20 };
    let steps = 32;
    let n = per_class * CLASSES;
    let labels: Vec<usize> = (0..n).map(|i| i % CLASSES).collect();
    let scales = vec![2.0; n];
    let z = noise(&mut Pcg32::seed(2024), n);
    let kernel = |e| CliError::kernel("denoise demo", e);
    progress.set_length(2);
    let mut sw = Stopwatch::new();
    let mut xs = sw.time(|| student_sample(&student, &z, &labels, &scales)).map_err(kernel)?;
    let student_seconds = sw.seconds();
    progress.step("student");
    let mut xt = z.clone();
    let evals = sw
        .time(|| teacher_sample(&teacher, &GuidanceKind::Cfg, &labels, &scales, steps, &mut xt))
        .map_err(kernel)?;
    let teacher_seconds = sw.seconds() - student_seconds;
    progress.step("teacher");
    clip(&mut xs);
    clip(&mut xt);
    let acc_s = judge.accuracy(&xs, &labels).map_err(kernel)?;
    let acc_t = judge.accuracy(&xt, &labels).map_err(kernel)?;
    let mse = xs.iter().zip(&xt).map(|(a, b)| f64::from((a - b) * (a - b))).sum::<f64>() / xs.len() as f64;
    // Grid: first CLASSES images of each (digits 0–9), student row above teacher row.
    let to_f64 = |x: &[f32]| -> Vec<Vec<f64>> {
        x.chunks(PIXELS).take(CLASSES).map(|r| r.iter().map(|&v| f64::from(v)).collect()).collect()
    };
    let rows: Vec<Vec<f64>> = to_f64(&xs).into_iter().chain(to_f64(&xt)).collect();
    let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
    let png = std::env::temp_dir().join("ferrokern-tour-denoise.png");
    crate::plot::image_grid(&refs, 8, 8, CLASSES, 8).save(&png)?;
    let ok = acc_s >= MIN_ACCURACY && acc_t >= MIN_ACCURACY;
    let mark = |a: f64| if a >= MIN_ACCURACY { "" } else { "  FAILED" };
    let lines = vec![
        format!(
            "student (1 evaluation/digit): judge accuracy {acc_s:.3} on {n} digits (goal ≥ {MIN_ACCURACY}){}, {:.1} ms",
            mark(acc_s),
            student_seconds * 1e3
        ),
        format!(
            "teacher ({steps} Euler steps, {} evaluations/digit): accuracy {acc_t:.3}{}, {:.1} ms; student-teacher MSE {mse:.4}",
            evals / n as u64,
            mark(acc_t),
            teacher_seconds * 1e3
        ),
        format!("grid (top: student, bottom: teacher, digits 0-9): {}", png.display()),
    ];
    let json = json!({
        "samples": n, "student_accuracy": acc_s, "teacher_accuracy": acc_t, "teacher_steps": steps,
        "teacher_evaluations": evals, "student_evaluations": n, "student_teacher_mse": mse,
        "student_seconds": student_seconds, "teacher_seconds": teacher_seconds, "png": png.display().to_string(),
    });
    Ok(DemoOutput { seconds: sw.seconds(), ok, json, lines })
}
