// Anti-aliasing of the colour image only (the label and depth targets are
// never touched): an edge-directed blend in the manner of FXAA. Where the
// local contrast of a pixel and its four neighbours is high, the pixel is
// mixed with its neighbour across the edge (the side with the larger luma
// step), by how far the pixel stands out from its neighbours' mean.
// Five texels a pixel, not FXAA's nine: a software rasteriser runs the edge
// branch for every pixel (masked, not skipped), and the four diagonal loads
// cost ~2 ms of CPU a 640x480 frame for a blend that differs by a few
// levels on the edges alone.

@group(0) @binding(0) var scene: texture_2d<f32>;

struct FullscreenOut {
    @builtin(position) clip: vec4<f32>,
};

@vertex
fn vs_fullscreen(@builtin(vertex_index) i: u32) -> FullscreenOut {
    let xy = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u)) * 2.0 - 1.0;
    var out: FullscreenOut;
    out.clip = vec4<f32>(xy, 0.0, 1.0);
    return out;
}

// Luma of an sRGB-encoded colour: the pass reads and writes the encoded
// bytes as they are (views of Rgba8Unorm), already about perceptual.
fn luma(c: vec3<f32>) -> f32 {
    return dot(c, vec3<f32>(0.299, 0.587, 0.114));
}

fn at(p: vec2<i32>, d: vec2<i32>, last: vec2<i32>) -> vec3<f32> {
    return textureLoad(scene, clamp(p + d, vec2<i32>(0), last), 0).rgb;
}

// An edge is a 3x3 luma range above this (absolute, and relative to the
// brightest neighbour), as FXAA's quality presets.
const EDGE_MIN: f32 = 0.0625;
const EDGE_REL: f32 = 0.166;

@fragment
fn fs_antialias(in: FullscreenOut) -> @location(0) vec4<f32> {
    let p = vec2<i32>(in.clip.xy);
    let last = vec2<i32>(textureDimensions(scene)) - 1;
    let c = at(p, vec2<i32>(0, 0), last);
    let n = at(p, vec2<i32>(0, -1), last);
    let s = at(p, vec2<i32>(0, 1), last);
    let e = at(p, vec2<i32>(1, 0), last);
    let w = at(p, vec2<i32>(-1, 0), last);
    let lc = luma(c);
    let ln = luma(n);
    let ls = luma(s);
    let le = luma(e);
    let lw = luma(w);
    let lo = min(lc, min(min(ln, ls), min(le, lw)));
    let hi = max(lc, max(max(ln, ls), max(le, lw)));
    let range = hi - lo;
    if (range < max(EDGE_MIN, hi * EDGE_REL)) {
        return vec4<f32>(c, 1.0);
    }
    // a horizontal edge changes along y
    let along_y = abs(ln + ls - 2.0 * lc);
    let along_x = abs(le + lw - 2.0 * lc);
    var across: vec3<f32>;
    if (along_y >= along_x) {
        across = select(s, n, abs(ln - lc) >= abs(ls - lc));
    } else {
        across = select(e, w, abs(lw - lc) >= abs(le - lc));
    }
    // how far the pixel stands out from its neighbours (FXAA's subpixel term)
    let mean = (ln + ls + le + lw) * 0.25;
    let stand_out = clamp(abs(mean - lc) / range, 0.0, 1.0);
    let blend = 0.5 * smoothstep(0.0, 1.0, stand_out);
    return vec4<f32>(mix(c, across, blend), 1.0);
}
