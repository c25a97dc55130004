//! Flow-model persistence (`ferrokern::denoise::{flow_model_writer, load_flow_params, …}`):
//! round trips in f32 (bit-exact) and f16 (each weight equal to `half`'s nearest-f16 rounding,
//! an independent reference), and Err on a wrong kind, layer stack, layout or file.

use ferrokern::denoise::{
    euler_buffer_len, euler_sample, flow_layers, flow_layout, flow_model_writer, load_flow_params,
    AdaptiveGuidance, FlowModelKind, GuidanceKind, STUDENT_LAYOUT, STUDENT_NET, TEACHER_LAYOUT, TEACHER_NET,
};
use ferrokern::model::{DType, Model, ModelWriter};
use ferrokern::nn::{params_len, save_layer_stack, Activation, LayerSpec, Mlp};
use ferrokern::rng::Pcg32;
use ferrokern::Error;

fn random_params(layers: &[LayerSpec], seed: u64) -> Vec<f32> {
    let mlp = Mlp::new(layers).unwrap();
    let mut p = vec![0.0f32; mlp.params_len()];
    mlp.init(&mut p, &mut Pcg32::seed(seed)).unwrap();
    p
}

#[test]
fn teacher_f32_round_trip_is_bit_exact_and_samples_identically() {
    let params = random_params(&TEACHER_NET, 3);
    let w = flow_model_writer(FlowModelKind::Teacher, &TEACHER_LAYOUT, &TEACHER_NET, &params, DType::F32)
        .unwrap();
    let bytes = w.to_bytes().unwrap();
    // 105,792 f32 weights + header/table/metadata.
    assert!(bytes.len() > 4 * params.len() && bytes.len() < 4 * params.len() + 4096, "{}", bytes.len());
    let model = Model::parse(&bytes).unwrap();
    assert_eq!(model.kind(), "flow-teacher");
    let mut back = vec![0.0f32; params.len()];
    let layout = load_flow_params(&model, FlowModelKind::Teacher, &TEACHER_NET, &mut back).unwrap();
    assert_eq!(layout, TEACHER_LAYOUT);
    assert!(back.iter().zip(&params).all(|(a, b)| a.to_bits() == b.to_bits()));

    let mlp = Mlp::new(&TEACHER_NET).unwrap();
    let sample = |p: &[f32]| {
        let mut x: Vec<f32> = (0..128).map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0).collect();
        let mut buf = vec![0.0f32; euler_buffer_len(&TEACHER_NET, TEACHER_LAYOUT, 2)];
        let mut ag = [AdaptiveGuidance::new(1.0); 2];
        euler_sample(
            &mlp,
            p,
            &TEACHER_LAYOUT,
            &GuidanceKind::Cfg,
            &[3, 7],
            &[2.0, 2.0],
            4,
            &mut x,
            &mut ag,
            &mut buf,
        )
        .unwrap();
        x
    };
    assert_eq!(sample(&params), sample(&back));
}

#[test]
fn student_f16_round_trip_rounds_each_weight_to_nearest_f16() {
    let params = random_params(&STUDENT_NET, 5);
    let w = flow_model_writer(FlowModelKind::Student, &STUDENT_LAYOUT, &STUDENT_NET, &params, DType::F16)
        .unwrap();
    let bytes = w.to_bytes().unwrap();
    assert!(bytes.len() < 2 * params.len() + 4096, "{}", bytes.len());
    let model = Model::parse(&bytes).unwrap();
    assert!(model.tensors().all(|t| t.dtype() == DType::F16));
    let mut back = vec![0.0f32; params.len()];
    assert_eq!(
        load_flow_params(&model, FlowModelKind::Student, &STUDENT_NET, &mut back).unwrap(),
        STUDENT_LAYOUT
    );
    for (&b, &p) in back.iter().zip(&params) {
        assert_eq!(b, half::f16::from_f32(p).to_f32());
        // Nearest rounding: relative error ≤ 2^-11 for normal values.
        assert!((b - p).abs() <= p.abs() * 2f32.powi(-11) + 6e-8, "{p} -> {b}");
    }
    // bf16 also loads.
    let w = flow_model_writer(FlowModelKind::Student, &STUDENT_LAYOUT, &STUDENT_NET, &params, DType::BF16)
        .unwrap();
    let bytes = w.to_bytes().unwrap();
    let model = Model::parse(&bytes).unwrap();
    load_flow_params(&model, FlowModelKind::Student, &STUDENT_NET, &mut back).unwrap();
    assert!(back.iter().zip(&params).all(|(&b, &p)| b == half::bf16::from_f32(p).to_f32()));
}

#[test]
fn loading_rejects_wrong_kind_stack_and_lengths() {
    let params = random_params(&TEACHER_NET, 9);
    let bytes = flow_model_writer(FlowModelKind::Teacher, &TEACHER_LAYOUT, &TEACHER_NET, &params, DType::F32)
        .unwrap()
        .to_bytes()
        .unwrap();
    let model = Model::parse(&bytes).unwrap();
    let mut back = vec![0.0f32; params.len()];
    // A teacher is not a student.
    assert!(matches!(
        load_flow_params(&model, FlowModelKind::Student, &TEACHER_NET, &mut back),
        Err(Error::Model { .. })
    ));
    assert!(flow_layout(&model, FlowModelKind::Student).is_err());
    // Expected stack differs (student net) → Err, as does a wrong params length.
    let mut sback = vec![0.0f32; params_len(&STUDENT_NET)];
    assert!(load_flow_params(&model, FlowModelKind::Teacher, &STUDENT_NET, &mut sback).is_err());
    assert!(matches!(
        load_flow_params(&model, FlowModelKind::Teacher, &TEACHER_NET, &mut back[1..]),
        Err(Error::DimensionMismatch { .. })
    ));
    // The stored stack is read back as it is.
    let mut specs = [LayerSpec::new(1, 1, Activation::Identity); 8];
    let (layout, layers) = flow_layers(&model, FlowModelKind::Teacher, &mut specs).unwrap();
    assert_eq!((layout, layers), (TEACHER_LAYOUT, &TEACHER_NET[..]));
    // A plain "mlp" file is not a flow model.
    let mut w = ModelWriter::new("mlp").unwrap();
    save_layer_stack(&mut w, &TEACHER_NET, &params, DType::F32).unwrap();
    let bytes = w.to_bytes().unwrap();
    assert!(flow_layout(&Model::parse(&bytes).unwrap(), FlowModelKind::Teacher).is_err());
}

#[test]
fn writing_rejects_layouts_that_do_not_fit() {
    let params = random_params(&TEACHER_NET, 1);
    // Teacher layout under the student kind, student net under the teacher layout.
    assert!(flow_model_writer(FlowModelKind::Student, &TEACHER_LAYOUT, &TEACHER_NET, &params, DType::F32)
        .is_err());
    let sp = random_params(&STUDENT_NET, 1);
    assert!(matches!(
        flow_model_writer(FlowModelKind::Teacher, &TEACHER_LAYOUT, &STUDENT_NET, &sp, DType::F32),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(flow_model_writer(
        FlowModelKind::Teacher,
        &TEACHER_LAYOUT,
        &TEACHER_NET,
        &params[1..],
        DType::F32
    )
    .is_err());
    assert!(
        flow_model_writer(FlowModelKind::Teacher, &TEACHER_LAYOUT, &TEACHER_NET, &params, DType::U8).is_err()
    );
    // f16 overflow is an error, not an infinity in the file.
    let mut big = params.clone();
    big[0] = 1e6;
    assert!(matches!(
        flow_model_writer(FlowModelKind::Teacher, &TEACHER_LAYOUT, &TEACHER_NET, &big, DType::F16),
        Err(Error::NonFinite { .. })
    ));
}

#[test]
fn layout_metadata_is_validated() {
    // A hand-made file with the teacher stack but guidance_input = 1 under the teacher kind.
    let params = random_params(&TEACHER_NET, 2);
    let mut w = ModelWriter::new("flow-teacher").unwrap();
    w.meta_i64("pixels", 64).unwrap().meta_i64("time_features", 16).unwrap().meta_i64("classes", 10).unwrap();
    w.meta_i64("guidance_input", 1).unwrap();
    save_layer_stack(&mut w, &TEACHER_NET, &params, DType::F32).unwrap();
    let bytes = w.to_bytes().unwrap();
    let model = Model::parse(&bytes).unwrap();
    assert!(matches!(flow_layout(&model, FlowModelKind::Teacher), Err(Error::Model { .. })));
    // Missing metadata.
    let mut w = ModelWriter::new("flow-teacher").unwrap();
    save_layer_stack(&mut w, &TEACHER_NET, &params, DType::F32).unwrap();
    let bytes = w.to_bytes().unwrap();
    assert!(flow_layout(&Model::parse(&bytes).unwrap(), FlowModelKind::Teacher).is_err());
    // Classes that do not match the stack's input width (12 + 1 + 64 + 16 = 93 ≠ 91).
    let mut w = ModelWriter::new("flow-teacher").unwrap();
    w.meta_i64("pixels", 64).unwrap().meta_i64("time_features", 16).unwrap().meta_i64("classes", 12).unwrap();
    w.meta_i64("guidance_input", 0).unwrap();
    save_layer_stack(&mut w, &TEACHER_NET, &params, DType::F32).unwrap();
    let bytes = w.to_bytes().unwrap();
    let mut specs = [LayerSpec::new(1, 1, Activation::Identity); 8];
    assert!(matches!(
        flow_layers(&Model::parse(&bytes).unwrap(), FlowModelKind::Teacher, &mut specs),
        Err(Error::DimensionMismatch { .. })
    ));
}
