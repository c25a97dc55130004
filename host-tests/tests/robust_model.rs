//! Robustness of `ferrokern::model` and the loaders built on it: `ModelWriter` with arbitrary
//! names, shapes (0, mismatched, overflowing) and values (NaN/inf/subnormal) either writes a
//! file that parses back to the same tensors or returns an `Err`; parsing truncated or
//! bit-flipped files never panics; the loaders (`load_mlp_params`, `load_standardization`,
//! `load_gbnn`, optimizer `load_state`) write only inside their canary-guarded buffers, round
//! trip the values they were saved with, and reject wrong sizes.

mod robust_common;

use ferrokern::boost::{gbnn_shape, load_gbnn, save_gbnn, GbnnShape, Loss};
use ferrokern::model::{crc32, Model, ModelWriter};
use ferrokern::nn::{
    load_mlp_params, load_standardization, mlp_layers, save_mlp, Activation, LayerSpec, MAX_LAYERS,
};
use ferrokern::optim::{load_state, save_state, Adam, AdamConfig, Optimizer};
use proptest::collection::vec;
use proptest::prelude::*;
use robust_common::{any_f32, config, Guarded};

fn finite(x: &[f32]) -> bool {
    x.iter().all(|v| v.is_finite())
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn writer_round_trips_or_rejects(name in "[a-z.]{0,40}", kind in "[a-z]{0,20}", shape in vec(0usize..5, 0..4),
                                     vals in vec(any_f32(), 0..30), flip in any::<(usize, u8)>(), cut in any::<usize>()) {
        let Ok(mut w) = ModelWriter::new(&kind) else {
            prop_assert!(kind.is_empty() || kind.len() > 16);
            return Ok(());
        };
        let count: usize = shape.iter().product();
        let r = w.tensor_f32(&name, &shape, &vals);
        let ok = !name.is_empty() && name.len() <= 32 && count == vals.len() && finite(&vals);
        prop_assert_eq!(r.is_ok(), ok, "tensor_f32({:?}, {:?}, {} values)", name, shape, vals.len());
        let bytes = w.to_bytes().unwrap();
        let m = Model::parse(&bytes).unwrap();
        prop_assert_eq!(m.kind(), kind.as_str());
        if ok {
            let t = m.tensor(&name).unwrap();
            let back: Vec<f32> = t.values::<f32>().unwrap().collect();
            prop_assert_eq!(back.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), vals.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        }
        let _ = ferrokern::model::to_c_source(&bytes, &name);
        // Damaged files: a flipped bit is caught by the CRC; a truncated file is an error.
        let mut bad = bytes.clone();
        let i = flip.0 % bad.len();
        bad[i] ^= 1 << (flip.1 % 8);
        prop_assert!(Model::parse(&bad).is_err());
        prop_assert!(Model::parse(&bytes[..cut % bytes.len()]).is_err());
        // Damage with the CRC re-fixed reaches the structural checks: Ok or Err, never a panic.
        let n = bad.len() - 4;
        let crc = crc32(&bad[..n]);
        bad[n..].copy_from_slice(&crc.to_le_bytes());
        if let Ok(m) = Model::parse(&bad) {
            for t in m.tensors() {
                let _ = t.values::<f32>().map(Iterator::count);
            }
        }
    }

    #[test]
    fn mlp_files_load_into_guarded_buffers(widths in vec(1usize..5, 2..4), vals in vec(-3.0..3.0f32, 64), short in 0usize..2) {
        let layers: Vec<LayerSpec> = widths.windows(2).map(|w| LayerSpec::new(w[0], w[1], Activation::Tanh)).collect();
        let plen = ferrokern::nn::params_len(&layers);
        let params: Vec<f32> = vals.iter().copied().cycle().take(plen).collect();
        let d = widths[0];
        let (mean, std) = (vec![0.5f32; d], vec![2.0f32; d]);
        let mut w = ModelWriter::new("mlp").unwrap();
        save_mlp(&mut w, &layers, &params, &mean, &std).unwrap();
        let bytes = w.to_bytes().unwrap();
        let m = Model::parse(&bytes).unwrap();
        let mut store = [LayerSpec::new(1, 1, Activation::Identity); MAX_LAYERS];
        let got = mlp_layers(&m, &mut store).unwrap();
        prop_assert_eq!(got, layers.as_slice());
        let mut p = Guarded::filled("params", plen - short, 0.0f32);
        let r = load_mlp_params(&m, &layers, p.inner());
        prop_assert_eq!(r.is_ok(), short == 0);
        if short == 0 {
            prop_assert_eq!(p.get(), params.as_slice());
        }
        let (mut gm, mut gs) = (Guarded::filled("mean", d - short, 0.0f32), Guarded::filled("std", d - short, 0.0f32));
        let r = load_standardization(&m, gm.inner(), gs.inner());
        prop_assert_eq!(r.is_ok(), short == 0);
        // A gbnn loader on an mlp file is an error, not a panic.
        prop_assert!(gbnn_shape(&m).is_err());
    }

    #[test]
    fn gbnn_and_optimizer_state_load_into_guarded_buffers(features in 1usize..4, steps in 1usize..4, units in 1usize..3,
                                                          classes in 0usize..4, vals in vec(-2.0..2.0f32, 64), n in 1usize..8,
                                                          short in 0usize..2) {
        let loss = match classes { 0 => Loss::Squared, 1 | 2 => Loss::LogExponential, c => Loss::MultiClass { classes: c } };
        let shape = GbnnShape { features, steps, units, loss, activation: Activation::Sigmoid };
        let mut buf: Vec<f32> = vals.iter().copied().cycle().take(shape.model_len()).collect();
        for s in &mut buf[features..2 * features] {
            *s = s.abs() + 0.5; // std part must be positive
        }
        let mut w = ModelWriter::new("gbnn").unwrap();
        save_gbnn(&mut w, &shape, &buf, 0.1).unwrap();
        let bytes = w.to_bytes().unwrap();
        let m = Model::parse(&bytes).unwrap();
        let mut out = Guarded::filled("gbnn buffer", shape.model_len() - short, 0.0f32);
        match load_gbnn(&m, out.inner()) {
            Ok(s) => {
                prop_assert_eq!(short, 0);
                prop_assert_eq!(s.model_len(), shape.model_len());
                prop_assert_eq!(out.get(), buf.as_slice());
            }
            Err(_) => prop_assert_eq!(short, 1),
        }
        // Optimizer state: save, then load into a guarded buffer.
        let mut opt = Adam::new(AdamConfig::default());
        let mut p = vec![1.0f32; n];
        let mut state = vec![0.0f32; Adam::state_len(n)];
        opt.step(&mut p, &vals[..n], &mut state).unwrap();
        let mut w = ModelWriter::new("opt").unwrap();
        save_state(&mut w, "opt", &opt, &state).unwrap();
        let bytes = w.to_bytes().unwrap();
        let m = Model::parse(&bytes).unwrap();
        let mut fresh = Adam::new(AdamConfig::default());
        let mut back = Guarded::filled("state", Adam::state_len(n) - short, 0.0f32);
        match load_state(&m, "opt", &mut fresh, back.inner()) {
            Ok(t) => {
                prop_assert_eq!(short, 0);
                prop_assert_eq!(t, 1);
                prop_assert_eq!(back.get(), state.as_slice());
            }
            Err(_) => prop_assert!(short == 1 || n * 2 - short == 0),
        }
    }
}

/// Writes the `model_predict` fuzz seeds (a small gbnn and a small mlp model):
/// `cargo test -p host-tests --test robust_model -- --ignored write_fuzz_seeds`.
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/model_predict");
    std::fs::create_dir_all(&dir).unwrap();
    let shape = GbnnShape {
        features: 2,
        steps: 2,
        units: 1,
        loss: Loss::MultiClass { classes: 3 },
        activation: Activation::Tanh,
    };
    let mut buf: Vec<f32> = (0..shape.model_len()).map(|i| (i % 5) as f32 * 0.25 - 0.5).collect();
    buf[2..4].copy_from_slice(&[1.0, 2.0]);
    let mut w = ModelWriter::new("gbnn").unwrap();
    save_gbnn(&mut w, &shape, &buf, 0.1).unwrap();
    std::fs::write(dir.join("seed-gbnn.fkm"), w.to_bytes().unwrap()).unwrap();
    let layers = [LayerSpec::new(2, 3, Activation::Relu), LayerSpec::new(3, 2, Activation::Identity)];
    let params: Vec<f32> = (0..ferrokern::nn::params_len(&layers)).map(|i| i as f32 * 0.1 - 0.7).collect();
    let mut w = ModelWriter::new("mlp").unwrap();
    save_mlp(&mut w, &layers, &params, &[0.0, 0.0], &[1.0, 1.0]).unwrap();
    std::fs::write(dir.join("seed-mlp.fkm"), w.to_bytes().unwrap()).unwrap();
}

/// What `to_rust_source`/`to_c_source` must name: `[A-Za-z_][A-Za-z0-9_]*`, not `_` alone and
/// not a keyword of either language (a short list of the ones a model name could plausibly hit).
fn valid_ident(s: &str) -> bool {
    const KW: [&str; 12] =
        ["fn", "static", "type", "self", "Self", "struct", "int", "char", "void", "if", "mod", "const"];
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s != "_"
        && !KW.contains(&s)
}

proptest! {
    #![proptest_config(config(128))]

    /// `to_rust_source` on arbitrary bytes and names: the hex bytes read back equal the input,
    /// the declared length matches, and the static's name is a valid identifier.
    #[test]
    fn rust_source_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..70),
                               name in prop_oneof![3 => "[ -~]{0,12}", 1 => Just(String::new()), 1 => Just("_".to_string()),
                                                   1 => Just("fn".to_string()), 1 => Just("static".to_string()), 1 => "\\PC{0,6}"]) {
        let src = ferrokern::model::to_rust_source(&bytes, &name);
        let ident = src.split("pub static ").nth(1).and_then(|s| s.split(':').next()).unwrap_or("");
        prop_assert!(valid_ident(ident), "ident {:?} from {:?}", ident, name);
        let decl = format!("[u8; {}]", bytes.len());
        prop_assert!(src.contains(&decl), "{}", decl);
        let back: Vec<u8> = src.split(|c: char| c == ',' || c.is_whitespace())
            .filter_map(|t| t.strip_prefix("0x")).map(|h| u8::from_str_radix(h, 16).unwrap()).collect();
        prop_assert_eq!(back, bytes);
        let c = ferrokern::model::to_c_source(&[1], &name);
        prop_assert!(!c.is_empty());
    }
}
