//! ReLU followed by 2×2 max-pooling with stride 2, as one layer.
//!
//! The two are one layer because they commute (`max(relu(a), relu(b)) = relu(max(a, b))`)
//! and the model runs them fused with the conv (see [`crate::nn::conv::forward_relu_pool`]).
//! This standalone version works on a stored conv output; it is the reference the fused
//! kernel is tested against and what the layer-alone gradient check exercises.
//!
//! Shapes: z (N, C, H, W) with H, W even; pooled and argmax (N, C, H/2, W/2). `argmax` holds
//! dy·2 + dx (0..=3) of the window cell with the largest z; ties go to the first cell in
//! order (0,0), (0,1), (1,0), (1,1). `shape` arguments are `[N, C, H, W]` of z.

/// Forward: pooled[n,c,py,px] = max(0, max_{dy,dx ∈ {0,1}} z[n,c,2py+dy,2px+dx]).
///
/// z (N, C, H, W) → pooled (N, C, H/2, W/2), argmax (N, C, H/2, W/2), overwritten.
pub fn forward(z: &[f32], shape: [usize; 4], pooled: &mut [f32], argmax: &mut [u8]) {
    let [n, c, h, w] = shape;
    assert!(h % 2 == 0 && w % 2 == 0, "H and W must be even");
    let (ph, pw) = (h / 2, w / 2);
    assert_eq!(z.len(), n * c * h * w, "z must be (N, C, H, W)");
    assert_eq!(
        pooled.len(),
        n * c * ph * pw,
        "pooled must be (N, C, H/2, W/2)"
    );
    assert_eq!(
        argmax.len(),
        n * c * ph * pw,
        "argmax must be (N, C, H/2, W/2)"
    );
    for plane in 0..n * c {
        let zp = &z[plane * h * w..(plane + 1) * h * w]; // (H, W)
        for py in 0..ph {
            for px in 0..pw {
                let mut best = zp[2 * py * w + 2 * px];
                let mut arg = 0u8;
                for d in 1..4usize {
                    let v = zp[(2 * py + (d >> 1)) * w + 2 * px + (d & 1)];
                    if v > best {
                        best = v;
                        arg = d as u8;
                    }
                }
                let i = plane * ph * pw + py * pw + px;
                pooled[i] = if best > 0.0 { best } else { 0.0 };
                argmax[i] = arg;
            }
        }
    }
}

/// Backward: the max passes the gradient to the one cell that won its window and zero to
/// the other three; the ReLU passes it where its output was positive and blocks it where the
/// output was 0 (subgradient 0 at the kink). So dz[argmax cell] = dpooled if pooled > 0,
/// every other dz = 0.
///
/// pooled, argmax, dpooled (N, C, H/2, W/2) → dz (N, C, H, W), overwritten.
pub fn backward(pooled: &[f32], argmax: &[u8], dpooled: &[f32], shape: [usize; 4], dz: &mut [f32]) {
    let [n, c, h, w] = shape;
    assert!(h % 2 == 0 && w % 2 == 0, "H and W must be even");
    let (ph, pw) = (h / 2, w / 2);
    let m = n * c * ph * pw;
    assert!(
        pooled.len() == m && argmax.len() == m && dpooled.len() == m,
        "pooled shapes"
    );
    assert_eq!(dz.len(), n * c * h * w, "dz must be (N, C, H, W)");
    dz.fill(0.0);
    for plane in 0..n * c {
        for py in 0..ph {
            for px in 0..pw {
                let i = plane * ph * pw + py * pw + px;
                if pooled[i] > 0.0 {
                    let d = argmax[i] as usize;
                    dz[plane * h * w + (2 * py + (d >> 1)) * w + 2 * px + (d & 1)] = dpooled[i];
                }
            }
        }
    }
}
