//! `cargo xtask retrain`: regenerates the model files the firmware embeds, through the CLI,
//! with the exact commands documented next to each file (outside CI: training takes a while).

use crate::util::{cargo, run, Result};

/// Every shipped model: what it is, and the `ferrokern` CLI arguments that make it.
const MODELS: &[(&str, &str)] = &[
    (
        "fw-finetune's pretrained digits MLP",
        "train mlp --data host-tests/data/digits.csv --test-rows host-tests/data/splits/digits_test.txt \
         --hidden 32 --epochs 20 --lr 0.003 --seed 7 --out firmware-examples/finetune/model/digits-64-32-10.fkm",
    ),
    (
        "fw-gbnn's breast-cancer boosted network",
        "--json gbnn train --data host-tests/data/breast_cancer.csv \
         --test-rows host-tests/data/splits/breast_cancer_test.txt --steps 100 --units 1 --lr 0.1 --seed 0 \
         --out firmware-examples/gbnn/model/breast_cancer.fkm",
    ),
    (
        "denoise judge: digits MLP(32, ReLU) classifier (FD features, accuracy)",
        "train mlp --data host-tests/data/digits.csv --test-rows host-tests/data/splits/digits_test.txt \
         --hidden 32 --epochs 60 --seed 1 --no-standardize --out models/denoise/judge.fkm",
    ),
    (
        "denoise teacher: class-conditional flow MLP on digits (f32)",
        "denoise train --data host-tests/data/digits.csv --test-rows host-tests/data/splits/digits_test.txt \
         --steps 20000 --seed 42 --out models/denoise/teacher.fkm",
    ),
    (
        "denoise student: one-step generator G(z, y, w) distilled from the teacher (f16, fw-denoise)",
        "denoise distill --teacher models/denoise/teacher.fkm --pairs 48000 --teacher-steps 64 --epochs 60 \
         --w-min 0.5 --w-max 4.5 --seed 42 --weights f16 --out firmware-examples/denoise/model/student.fkm",
    ),
];

/// Retrains every model in [`MODELS`].
pub fn retrain() -> Result<()> {
    for (what, cli_args) in MODELS {
        println!("==== retrain: {what}");
        let mut args = vec!["run", "--release", "-q", "-p", "ferrokern-cli", "--"];
        args.extend(cli_args.split_whitespace());
        run(&mut cargo(&args))?;
    }
    Ok(())
}
