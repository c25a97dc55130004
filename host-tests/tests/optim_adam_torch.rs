//! `Adam`/AdamW against `torch.optim.Adam`/`AdamW` trajectories (PyTorch, float64, 200 steps),
//! vendored in `host-tests/data/reference/adam/` (script: `benches/peers/adam_reference.py`).

use ferrokern::optim::{Adam, AdamConfig, Optimizer};
use serde_json::Value;

fn data(name: &str) -> String {
    let path = format!("{}/data/reference/adam/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn csv_rows(name: &str) -> Vec<Vec<f64>> {
    data(name)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
        .collect()
}

/// Gradient of an objective.
type GradFn = dyn Fn(&[f64]) -> Vec<f64>;

fn rosenbrock_grad(x: &[f64]) -> Vec<f64> {
    let (a, b) = (x[0], x[1]);
    vec![-2.0 * (1.0 - a) - 400.0 * a * (b - a * a), 200.0 * (b - a * a)]
}

/// Max relative deviation (|x − x_torch| / max(|x_torch|, 1e-3)) over all steps and coordinates.
fn run_case(name: &str, case: &Value) -> f64 {
    let f = |k: &str| case[k].as_f64().unwrap_or(0.0);
    let config = AdamConfig {
        lr: f("lr"),
        beta1: case["betas"][0].as_f64().unwrap(),
        beta2: case["betas"][1].as_f64().unwrap(),
        eps: f("eps"),
        weight_decay: f("weight_decay"),
        decoupled: case["adamw"].as_bool().unwrap(),
    };
    let steps = case["steps"].as_u64().unwrap() as usize;
    let rows = csv_rows(&format!("{name}.csv"));
    assert_eq!(rows.len(), steps + 1);
    let grad: Box<GradFn> = if name.starts_with("rosenbrock") {
        Box::new(rosenbrock_grad)
    } else {
        let a = csv_rows("quadratic10_A.csv");
        let b: Vec<f64> = csv_rows("quadratic10_b.csv").into_iter().map(|r| r[0]).collect();
        Box::new(move |x: &[f64]| {
            a.iter()
                .zip(&b)
                .map(|(row, bi)| row.iter().zip(x).map(|(p, q)| p * q).sum::<f64>() - bi)
                .collect()
        })
    };
    let x0: Vec<f64> = case["x0"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(x0, rows[0]);
    let mut opt = Adam::new(config);
    let mut x = x0.clone();
    let mut state = vec![0.0; Adam::state_len(x.len())];
    let mut worst = 0.0f64;
    for row in &rows[1..] {
        let g = grad(&x);
        opt.step(&mut x, &g, &mut state).unwrap();
        for (p, q) in x.iter().zip(row) {
            worst = worst.max((p - q).abs() / q.abs().max(1e-3));
        }
    }
    let fin: Vec<f64> = case["final"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for (p, q) in x.iter().zip(&fin) {
        assert!((p - q).abs() <= 1e-5 * q.abs().max(1e-3), "{name}: final {p} vs {q}");
    }
    worst
}

#[test]
fn adam_matches_torch_for_200_steps() {
    let cases: Value = serde_json::from_str(&data("cases.json")).unwrap();
    let cases = cases["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 4);
    for (name, case) in cases {
        let worst = run_case(name, case);
        eprintln!("{name}: max rel deviation from torch over 200 steps = {worst:e}");
        assert!(worst < 1e-5, "{name}: {worst}");
    }
}

#[test]
fn adam_f32_follows_torch_loosely() {
    // f32 kernel on Rosenbrock lr 1e-3: within f32 rounding accumulation of the f64 torch run.
    let rows = csv_rows("rosenbrock_lr1e-3.csv");
    let mut opt = Adam::new(AdamConfig::default());
    let mut x = [-1.5f32, 2.0];
    let mut state = [0.0f32; Adam::state_len(2)];
    let mut worst = 0.0f64;
    for row in &rows[1..] {
        let xd = [f64::from(x[0]), f64::from(x[1])];
        let g: Vec<f32> = rosenbrock_grad(&xd).into_iter().map(|v| v as f32).collect();
        opt.step(&mut x, &g, &mut state).unwrap();
        for (p, q) in x.iter().zip(row) {
            worst = worst.max((f64::from(*p) - q).abs() / q.abs());
        }
    }
    eprintln!("f32 Adam vs torch f64: max rel deviation {worst:e}");
    assert!(worst < 1e-5, "{worst}");
}
