// Golden trajectory of kp-bench, seed 0, 40 steps, 200 test examples, evaluated every 10 steps
// (see goldenShortTrajectory). Test accuracy jumps to 1 at step 20 and the best-key cosine rises
// from 0.20 to 0.95, as the mechanism predicts; later single-example SGD steps perturb accuracy.
let GOLDEN_ACCURACY: [Double] = [0.525, 0.64, 1.0, 0.985, 0.925]
let GOLDEN_COSINE: [Double] = [0.19934961350073602, 0.7061867773866926, 0.9036698898967276, 0.9392028139835635, 0.945470060526873]
let GOLDEN_T100: Int? = 20
