//! Baseline: the shared frame of every minimal firmware and no kernel.
#![cfg_attr(target_os = "none", no_std, no_main)]

fw_minimal::minimal_main!(run);

fn run() -> bool {
    core::hint::black_box(true)
}
