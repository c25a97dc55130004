//! Builds `tests/c/host_test.c` with gcc against this crate's static library, runs it forced to
//! the scalar SIMD path, and compares its output line for line (`#` lines excepted) with the
//! same computations through the Rust API: the Lasso demo of `ferrokern-demos` and
//! [`kernels_block`]. The C program also checks closed forms and error codes itself (exit
//! status). Skipped, with a message, only when `gcc` is not installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use ferrokern::boost::{load_gbnn, MergedModel};
use ferrokern::denoise::{cfg, ddim_step};
use ferrokern::linalg::{self, MatMut, MatRef, Trans};
use ferrokern::model::Model;
use ferrokern::nn::{
    load_mlp_params, load_standardization, mlp_layers, standardize, Activation, LayerSpec, Mlp,
};
use ferrokern::optim::{Adam, AdamConfig, DiffGrad, DiffGradConfig, Optimizer};
use ferrokern::ot::{sinkhorn_log, workspace_len, DenseCost, SinkhornConfig};
use ferrokern::rng::Pcg32;
use ferrokern::Real;
use ferrokern_demos::{DelayNs, HexOut};

struct NoDelay;
impl DelayNs for NoDelay {
    fn delay_ns(&mut self, _ns: u32) {}
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn gbnn_model() -> PathBuf {
    root().join("../firmware-examples/gbnn/model/breast_cancer.fkm")
}

fn mlp_model() -> PathBuf {
    root().join("../firmware-examples/finetune/model/digits-64-32-10.fkm")
}

fn fill(rng: &mut Pcg32, scale: f32, xs: &mut [f32]) {
    for x in xs {
        *x = (2.0 * rng.next_f32() - 1.0) * scale;
    }
}

/// The second block of host_test.c, computed with the Rust API (same inputs, same order).
fn kernels_block() -> Result<String, ferrokern::Error> {
    const M: usize = 5;
    const N: usize = 7;
    const K: usize = 3;
    const Z: usize = 11;
    const P: usize = 6;
    let mut s = String::new();
    let mut h = HexOut::new(&mut s);
    let mut rng = Pcg32::seed(2026);
    let hex = |r: std::fmt::Result| r.expect("writing to a String");

    let (mut a, mut x, mut y, mut u) = ([0.0f32; M * N], [0.0f32; N], [0.0f32; N], [0.0f32; M]);
    let (mut b, mut c) = ([0.0f32; K * N], [0.0f32; M * K]);
    fill(&mut rng, 1.0, &mut a);
    fill(&mut rng, 1.0, &mut x);
    fill(&mut rng, 2.0, &mut y);
    fill(&mut rng, 1.0, &mut u);
    fill(&mut rng, 1.0, &mut b);
    fill(&mut rng, 1.0, &mut c);
    hex(h.scalar("dot", linalg::dot(&x, &y)?));
    linalg::axpy(0.75, &x, &mut y)?;
    hex(h.slice("axpy", &y));
    let am = MatRef::new(&a, M, N)?;
    let mut v = u;
    am.gemv(1.5, &x, 0.5, &mut v)?;
    hex(h.slice("gemv", &v));
    let mut w = [0.0f32; N];
    am.gemv_t(-0.5, &u, 0.0, &mut w)?;
    hex(h.slice("gemv_t", &w));
    MatMut::new(&mut c, M, K)?.gemm(0.5, am, Trans::No, MatRef::new(&b, K, N)?, Trans::Yes, -1.25)?;
    hex(h.slice("gemm_nt", &c));

    let (mut z, mut e) = ([0.0f32; Z], [0.0f32; Z]);
    fill(&mut rng, 8.0, &mut z);
    fill(&mut rng, 10.0, &mut e);
    hex(h.scalar("log_sum_exp", f32::log_sum_exp(&z)));
    f32::softmax(&mut z);
    hex(h.slice("softmax", &z));
    f32::exp_slice(&mut e);
    hex(h.slice("exp", &e));

    let mut p0 = [0.0f32; P];
    fill(&mut rng, 2.0, &mut p0);
    let mut opt = DiffGrad::new(DiffGradConfig { lr: 0.05, ..DiffGradConfig::default() });
    let (mut p, mut state) = (p0, [0.0f32; 3 * P]);
    for _ in 0..5 {
        let g = p.map(|v| 2.0 * v);
        opt.step(&mut p, &g, &mut state)?;
    }
    hex(h.slice("diffgrad_params", &p));
    hex(h.slice("diffgrad_state", &state));
    let mut opt = Adam::new(AdamConfig::adamw(0.05, 0.01));
    let (mut p, mut state) = (p0, [0.0f32; 2 * P]);
    for _ in 0..5 {
        let g = p.map(|v| 2.0 * v);
        opt.step(&mut p, &g, &mut state)?;
    }
    hex(h.slice("adamw_params", &p));

    let (mut cond, mut uncond, mut xd, mut eps) = ([0.0f32; P], [0.0f32; P], [0.0f32; P], [0.0f32; P]);
    fill(&mut rng, 1.0, &mut cond);
    fill(&mut rng, 1.0, &mut uncond);
    fill(&mut rng, 1.5, &mut xd);
    cfg(&cond, &uncond, 3.5, &mut eps)?;
    hex(h.slice("cfg", &eps));
    ddim_step(&mut xd, &eps, 0.3, 0.6)?;
    hex(h.slice("ddim", &xd));

    let (sn, sm) = (5, 7);
    let cost: Vec<f32> = (0..sn * sm).map(|_| rng.next_f32()).collect();
    let (a, b) = (vec![1.0f32 / 5.0; sn], vec![1.0f32 / 7.0; sm]);
    let (mut f, mut g, mut work) = (vec![0.0f32; sn], vec![0.0f32; sm], vec![0.0f32; workspace_len(sn, sm)]);
    let cfg = SinkhornConfig { max_iter: 1000, tol: 1e-6, ..SinkhornConfig::new(0.1) };
    let rep = sinkhorn_log(&DenseCost::new(&cost, sn, sm)?, &a, &b, &cfg, &mut f, &mut g, &mut work)?;
    hex(h.slice("sinkhorn_f", &f));
    hex(h.slice("sinkhorn_g", &g));
    hex(h.scalar("sinkhorn_cost", rep.transport_cost));
    hex(h.scalar("sinkhorn_objective", rep.entropic_objective));
    hex(h.scalar("sinkhorn_error", rep.marginal_error));

    // GBNN: 4 rows of features uniform in [0, 20), all boosting steps, output activation.
    let bytes = std::fs::read(gbnn_model()).expect("gbnn model file");
    let model = Model::parse(&bytes)?;
    let mut buf = vec![0.0f32; 1 << 16];
    let shape = load_gbnn(&model, &mut buf)?;
    let net = MergedModel::new(shape, &buf[..shape.model_len()])?;
    let x: Vec<f32> = (0..4 * shape.features).map(|_| rng.next_f32() * 20.0).collect();
    let mut out = vec![0.0f32; 4 * shape.outputs()];
    let mut scratch = vec![0.0f32; 4 * (shape.features + shape.hidden())];
    net.predict(&x, shape.hidden(), &mut out, &mut scratch)?;
    hex(h.slice("gbnn", &out));

    // MLP: 3 rows uniform in [0, 16), standardised with the stored statistics.
    let bytes = std::fs::read(mlp_model()).expect("mlp model file");
    let model = Model::parse(&bytes)?;
    let mut specs = [LayerSpec::new(1, 1, Activation::Identity); 16];
    let mlp = Mlp::new(mlp_layers(&model, &mut specs)?)?;
    let mut params = vec![0.0f32; mlp.params_len()];
    load_mlp_params(&model, mlp.layers(), &mut params)?;
    let (mut mean, mut std) = (vec![0.0f32; mlp.inputs()], vec![0.0f32; mlp.inputs()]);
    load_standardization(&model, &mut mean, &mut std)?;
    let mut x: Vec<f32> = (0..3 * mlp.inputs()).map(|_| rng.next_f32() * 16.0).collect();
    standardize(&mut x, &mean, &std)?;
    let mut acts = vec![0.0f32; mlp.activations_len(3)?];
    mlp.forward(&params, &x, 3, &mut acts)?;
    hex(h.slice("mlp", mlp.output(&acts, 3)?));
    h.finish().expect("writing to a String");
    Ok(s)
}

fn newest_staticlib(deps: &Path) -> Option<PathBuf> {
    std::fs::read_dir(deps)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("libferrokern_capi-") && name.ends_with(".a")
        })
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .map(|e| e.path())
}

fn compared(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.starts_with('#')).collect()
}

#[test]
fn c_host_test_prints_the_rust_numbers() {
    if Command::new("gcc").arg("--version").output().is_err() {
        eprintln!("SKIPPED c_host: gcc is not installed (apt-get install gcc)");
        return;
    }
    // Bit-identity needs the same path on both sides: the scalar one (the only test in this
    // binary, so no other thread reads the environment while it is set).
    std::env::set_var("FERROKERN_SIMD", "scalar");

    // The static library cargo built for this test run, next to this executable:
    // target/<profile>/deps/libferrokern_capi-<hash>.a (the newest, if several builds exist).
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let profile_dir = deps.parent().expect("target/<profile>");
    let lib = newest_staticlib(deps).expect("libferrokern_capi-*.a next to the test executable");
    let bin = profile_dir.join("capi-host-test");
    let src = root();
    let status = Command::new("gcc")
        .args(["-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off"])
        .arg("-I")
        .arg(src.join("include"))
        .arg("-I")
        .arg(src.join("examples/firmware"))
        .arg(src.join("tests/c/host_test.c"))
        .arg(src.join("examples/firmware/lasso_demo.c"))
        .arg(src.join("examples/firmware/hexout.c"))
        .arg(&lib)
        .args(["-lm", "-lpthread", "-ldl", "-o"])
        .arg(&bin)
        .status()
        .expect("run gcc");
    assert!(status.success(), "gcc failed: {status}");

    let run = Command::new(&bin).arg(gbnn_model()).arg(mlp_model()).output().expect("run host_test");
    let c_out = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "host_test failed ({}):\n{c_out}", run.status);

    // The same program on this CPU's best SIMD path: different rounding, so only its own
    // closed-form and error-code checks apply (exit status).
    let simd = Command::new(&bin).arg(gbnn_model()).arg(mlp_model()).env_remove("FERROKERN_SIMD").output();
    let simd = simd.expect("run host_test on the SIMD path");
    assert!(
        simd.status.success(),
        "host_test (SIMD path) failed:\n{}",
        String::from_utf8_lossy(&simd.stdout)
    );

    let mut rust_out = String::new();
    ferrokern_demos::lasso(&mut rust_out, &mut NoDelay).expect("lasso demo");
    rust_out.push_str(&kernels_block().expect("kernels block"));
    let (c_lines, rust_lines) = (compared(&c_out), compared(&rust_out));
    for (i, (cl, rl)) in c_lines.iter().zip(&rust_lines).enumerate() {
        assert_eq!(cl, rl, "first difference at compared line {}", i + 1);
    }
    assert_eq!(c_lines.len(), rust_lines.len(), "C printed:\n{c_out}\nRust:\n{rust_out}");
    // Both blocks were compared: Lasso (6 lines, 19 values) and kernels (29 lines, 149 values).
    assert_eq!(c_lines.len(), 35, "{c_out}");
    assert!(c_lines.iter().any(|l| l.starts_with("values 19 ")));
    assert!(c_lines.last().is_some_and(|l| l.starts_with("values 149 ")));
}
