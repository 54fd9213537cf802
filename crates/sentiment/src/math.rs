//! Deterministic float helpers.
//!
//! `f32::exp` lowers to a libm call on native and to a different libm (or JS
//! Math.exp) on wasm; their last-bit results differ, which would break the
//! native-vs-wasm golden test. Everything here uses only IEEE-754 basic
//! operations (+, -, *, /, which Rust never fuses into FMA) evaluated in a
//! fixed order, so results are bit-identical on every target.

/// e^x for x <= 0 (softmax inputs after subtracting the max), in f64.
/// Range reduction x = k*ln2 + r with |r| <= ln2/2, then a degree-11 Taylor
/// polynomial for e^r (error < 1e-13, far below f32 resolution) and an exact
/// power-of-two scale built from the exponent bits.
pub fn exp_nonpositive(x: f64) -> f64 {
    if x.is_nan() {
        return 0.0;
    }
    if x < -700.0 {
        return 0.0;
    }
    // ln 2 split into a high part with trailing zero bits (so k * LN2_HI is
    // exact) and the remainder; the classic fdlibm constants.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const INV_LN2: f64 = std::f64::consts::LOG2_E;
    // Round half away from zero without calling `round` (kept basic-op only).
    let kf = x * INV_LN2;
    let k = if kf < 0.0 { (kf - 0.5) as i64 } else { (kf + 0.5) as i64 };
    let r = (x - k as f64 * LN2_HI) - k as f64 * LN2_LO;
    // Horner evaluation of sum_{i=0}^{11} r^i / i!.
    let mut p = 1.0 / 39_916_800.0;
    for inv_fact in [
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        1.0 / 2.0,
        1.0,
        1.0,
    ] {
        p = p * r + inv_fact;
    }
    // k is in [-1010, 0]: 2^k may be subnormal, so scale in two steps.
    let half = k / 2;
    p * pow2(half) * pow2(k - half)
}

fn pow2(k: i64) -> f64 {
    // Normal range only (callers split k so that |k| <= 511).
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// Softmax over three logits, computed in f64 and rounded once to f32.
pub fn softmax3(logits: [f32; 3]) -> [f32; 3] {
    let max = logits[0].max(logits[1]).max(logits[2]) as f64;
    let e = [
        exp_nonpositive(logits[0] as f64 - max),
        exp_nonpositive(logits[1] as f64 - max),
        exp_nonpositive(logits[2] as f64 - max),
    ];
    let sum = (e[0] + e[1]) + e[2];
    [(e[0] / sum) as f32, (e[1] / sum) as f32, (e[2] / sum) as f32]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_std_closely() {
        let mut x = 0.0f64;
        while x > -60.0 {
            let ours = exp_nonpositive(x);
            let std = x.exp();
            assert!(((ours - std) / std).abs() < 1e-12, "x={x} ours={ours} std={std}");
            x -= 0.0137;
        }
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-1000.0), 0.0);
        assert!(exp_nonpositive(-720.0) >= 0.0);
    }

    #[test]
    fn softmax_sums_to_one_and_orders() {
        let p = softmax3([1.0, -2.0, 3.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[2] > p[0] && p[0] > p[1]);
        let flat = softmax3([0.5, 0.5, 0.5]);
        assert!(flat.iter().all(|&v| (v - 1.0 / 3.0).abs() < 1e-6));
        let extreme = softmax3([1e30, -1e30, 0.0]);
        assert_eq!(extreme, [1.0, 0.0, 0.0]);
    }
}
