// Golden trajectory of kp-bench, seed 0, 40 steps, 200 test examples, evaluated every 10 steps
// (see goldenShortTrajectory), with ziggurat Gaussians. The best-key cosine rises from 0.13 to
// 0.94 as the mechanism predicts; test accuracy climbs to 0.96 by step 40 (single-example SGD steps
// make it non-monotone on the way). A change here means the numerics or the random streams changed.
let GOLDEN_ACCURACY: [Double] = [0.485, 0.47, 0.705, 0.49, 0.96]
let GOLDEN_COSINE: [Double] = [
    0.13355567264542303, 0.5335298827949632, 0.8510757427925671, 0.8702011322982045, 0.9353191411559642,
]
let GOLDEN_T100: Int? = nil
