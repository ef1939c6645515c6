// Sensor camera: one pass writes the lit, fogged colour AND the exact label
// target for the same view: one u32 per pixel in the Cityscapes instanceIds
// convention (instance id = class_id*1000 + k for things, else the class id).
// Depth comes from the depth buffer itself (reverse-Z: z = near / depth).
// The label target is an integer format: no MSAA, no blending, no filtering.

struct View {
    clip_from_world: mat4x4<f32>,
    world_from_clip: mat4x4<f32>,
    // world -> the sun's shadow-map clip space (x, y -1..1, depth 0..1)
    sun_from_world: mat4x4<f32>,
    // x: shadows on (1); y: one shadow-map texel in uv; z: the distance
    // shadows are drawn to (z-depth, m; the casters are culled to it); w:
    // share of the sky under clouds
    look: vec4<f32>,
    // xyz: camera position (world); w unused
    camera_position: vec4<f32>,
    // xyz: optical axis (world, unit); w: the frame's time, s (clouds drift)
    camera_forward: vec4<f32>,
    // xyz: direction towards the sun (unit); w: sun intensity
    sun_direction: vec4<f32>,
    // w: the clouds' drift along world x, m/s
    sun_color: vec4<f32>,
    // w: the clouds' drift along world z, m/s
    ambient_color: vec4<f32>,
    // rgb: fog colour; a: extinction coefficient per metre (0 = no fog)
    fog: vec4<f32>,
    // x: number of lights in use
    light_count: vec4<u32>,
    // xyz: position (world); w: intensity (1 lights a white wall 1 m away fully)
    light_position: array<vec4<f32>, 16>,
    // rgb: colour; a: cosine of the spot half-angle (-1 for an omni light)
    light_color: array<vec4<f32>, 16>,
    // xyz: spot axis (world, unit); w: near-field distance in metres within
    // which the falloff stops growing (low beams throw light forward)
    light_direction: array<vec4<f32>, 16>,
    // the luminaire's cut-off: xyz the unit vector into its dark side (a
    // street light's pole, a low beam's up); w: the sine past the cut
    // plane where its light has faded to 3% (0: no cut-off)
    light_shield: array<vec4<f32>, 16>,
    // x: road wetness 0..1; yz: viewport size in pixels; w: snow cover 0..1
    weather: vec4<f32>,
    // the nearest labeled objects' boxes whose contact shadow can be in
    // view: centre (w: contact falloff, m), unit forward axis, half extents
    // (length, height, width; w: contact reach from the centre, m)
    caster_center: array<vec4<f32>, 24>,
    caster_forward: array<vec4<f32>, 24>,
    caster_half: array<vec4<f32>, 24>,
    // per screen tile (16 across, 12 down, row-major, four a row): bit i
    // set when caster i's contact shadow can fall in the tile
    caster_tiles: array<vec4<u32>, 48>,
};

@group(0) @binding(0) var<uniform> view: View;
// Colour views: the sun's shadow map (depth from the sun, nearest 0).
@group(1) @binding(0) var shadow_map: texture_depth_2d;
@group(1) @binding(1) var shadow_sampler: sampler_comparison;

struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) model_0: vec4<f32>,
    @location(3) model_1: vec4<f32>,
    @location(4) model_2: vec4<f32>,
    @location(5) model_3: vec4<f32>,
    @location(6) normal_0: vec4<f32>,
    @location(7) normal_1: vec4<f32>,
    @location(8) normal_2: vec4<f32>,
    @location(9) color: vec4<f32>,
    // x: class id, y: instance id (0 = none)
    // x class, y instance; z the cloth pattern (0 plain), w spare
    @location(10) ids: vec4<u32>,
};

struct VertexOut {
    // invariant: the depth prepass and the scene pass must compute the
    // same depth for a vertex (the scene pass tests Equal)
    @invariant @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) color: vec3<f32>,
    @location(3) @interpolate(flat) ids: vec2<u32>,
    // x: light the part gives off, in units of its colour (a lit lamp);
    // y: the cloth's pattern (0 plain); zw: where the print is anchored,
    // the wearer's feet's height and x + z (normal_*.w), so it moves with
    // them. One flat slot: more varyings cost every frame a few percent
    @location(4) @interpolate(flat) material: vec4<f32>,
};

@vertex
fn vs_main(v: VertexIn) -> VertexOut {
    let model = mat4x4<f32>(v.model_0, v.model_1, v.model_2, v.model_3);
    let normal_matrix = mat3x3<f32>(v.normal_0.xyz, v.normal_1.xyz, v.normal_2.xyz);
    let world = model * vec4<f32>(v.position, 1.0);
    var out: VertexOut;
    out.clip = view.clip_from_world * world;
    out.world = world.xyz;
    out.normal = normal_matrix * v.normal;
    out.color = v.color.rgb;
    out.ids = v.ids.xy;
    out.material = vec4<f32>(v.color.a, f32(v.ids.z), v.normal_1.w, v.normal_0.w + v.normal_2.w);
    return out;
}

// ---- shader variants: pipeline-overridable constants ----
// A software rasteriser runs every branch of a shader for every pixel of a
// block (masked, not skipped), so the realistic look builds its scene
// pipeline per material family and per what the frame has: the branches
// below test these constants, the driver folds the untaken ones away, and
// each variant holds only its own code. The defaults (family 0: every
// material; lamps and clouds on) are the whole shader, and every variant
// shades its pixels exactly as the whole one does
// (tests/integration/look.rs). The families and which classes each holds:
// `MaterialFamily` in src/sensors/camera/variants.rs, which sorts every
// draw into its family's pipeline.
override MATERIAL_FAMILY: u32 = 0u;
// the frame has lamps (the lamps' loop)
override LAMPS: bool = true;
// the sky has clouds (drawn in the sky, their shadows on the scene)
override CLOUDS: bool = true;
const FAMILY_GROUND: u32 = 1u;   // road, sidewalk, terrain, lane paint
const FAMILY_FACADE: u32 = 2u;   // buildings
const FAMILY_FOLIAGE: u32 = 3u;  // vegetation
const FAMILY_VEHICLE: u32 = 4u;  // cars, trucks, the unlisted vehicles' class
const FAMILY_METAL: u32 = 5u;    // poles, rails, signs, bicycles
const FAMILY_PERSON: u32 = 6u;   // people and riders
// (7: every other class, plain paint: none of the branches)

// Whether this pipeline holds family `f`'s code.
fn family_has(f: u32) -> bool {
    return MATERIAL_FAMILY == 0u || MATERIAL_FAMILY == f;
}

// Cityscapes ids of the surfaces snow settles on: sidewalk, vegetation, terrain.
fn takes_snow(class_id: u32) -> bool {
    return class_id == 8u || class_id == 21u || class_id == 22u;
}

// Cityscapes ids of the surfaces a rain film covers: road, sidewalk, lane marking.
fn takes_water(class_id: u32) -> bool {
    return class_id == 7u || class_id == 8u || class_id == 34u;
}

// ---- procedural surface detail: value noise in world space (metres) ----

fn hash2(p: vec2<f32>) -> f32 {
    var q = fract(p * vec2<f32>(0.1031, 0.1030));
    q = q + dot(q, q.yx + 33.33);
    return fract((q.x + q.y) * q.x);
}

// 32 well-mixed bits from an integer cell and a salt (hash2 of
// neighbouring integers is correlated); `bits_unit` reads six of them as a
// number in 0..1, so one hash serves up to five draws.
fn hash_cell(cell: vec2<f32>, salt: u32) -> u32 {
    var h = (bitcast<u32>(i32(cell.x)) * 0x8da6b343u) ^ (bitcast<u32>(i32(cell.y)) * 0xd8163841u) ^ (salt * 0xcb1ab31fu);
    h = (h ^ (h >> 16u)) * 0x7feb352du;
    h = (h ^ (h >> 15u)) * 0x846ca68bu;
    return h ^ (h >> 16u);
}

fn bits_unit(h: u32, field: u32) -> f32 {
    return (f32((h >> (6u * field)) & 63u) + 0.5) / 64.0;
}

// 2D value noise, 0..1 (four hashes: cheap on a software rasteriser)
fn value_noise(p: vec2<f32>) -> f32 {
    let i = floor(p);
    let f = fract(p);
    let u = f * f * (3.0 - 2.0 * f);
    return mix(mix(hash2(i), hash2(i + vec2<f32>(1.0, 0.0)), u.x),
               mix(hash2(i + vec2<f32>(0.0, 1.0)), hash2(i + vec2<f32>(1.0, 1.0)), u.x), u.y);
}

// two octaves, 0..1
fn fbm(p: vec2<f32>) -> f32 {
    return 0.62 * value_noise(p) + 0.38 * value_noise(p * 2.03 + 17.0);
}

// Surface coordinates: the ground plane for level faces, (along, up) for
// walls.
fn surface_uv(p: vec3<f32>, n: vec3<f32>) -> vec2<f32> {
    if (abs(n.y) > 0.7) {
        return p.xz;
    }
    let t = normalize(vec3<f32>(-n.z, 0.0, n.x) + vec3<f32>(1e-4, 0.0, 0.0));
    return vec2<f32>(dot(p, t), p.y);
}

struct Surface {
    albedo: vec3<f32>,
    // GGX roughness (perceptual, 0 mirror .. 1 matte)
    roughness: f32,
    // reflectance at normal incidence
    f0: f32,
    emission: vec3<f32>,
};

// How dark the scene is: 0 in daylight, 1 at night (lit windows, lamps).
fn night() -> f32 {
    return clamp(1.0 - view.ambient_color.g * 1.6 - view.sun_direction.w, 0.0, 1.0);
}

// Facades: floors 3.2 m high, bays 2.6 m wide, a window in each bay
// (a taller shop window on the ground floor), some lit at night.
// `weathering`: value noise 0..1 at 0.7 cycles per metre.
fn facade(base: vec3<f32>, world: vec3<f32>, n: vec3<f32>, footprint: f32, weathering: f32) -> Surface {
    var s = Surface(base * (0.85 + 0.3 * weathering), 0.8, 0.04, vec3<f32>(0.0));
    // beyond a few pixels per window the grid would alias: wall and glass average
    if (footprint > 0.6) {
        s.albedo = s.albedo * 0.6;
        return s;
    }
    if (abs(n.y) > 0.5) {
        return s;
    }
    let t = normalize(vec3<f32>(-n.z, 0.0, n.x));
    let u = dot(world, t) / 2.6;
    let v = world.y / 3.2;
    let cell = vec2<f32>(fract(u), fract(v));
    let ground = v < 1.0;
    let lo = select(vec2<f32>(0.22, 0.32), vec2<f32>(0.08, 0.08), ground);
    let hi = select(vec2<f32>(0.78, 0.85), vec2<f32>(0.92, 0.8), ground);
    if (all(cell > lo) && all(cell < hi)) {
        let id = hash2(vec2<f32>(floor(u) + 57.0 * dot(world, n), floor(v)));
        s.albedo = vec3<f32>(0.03, 0.035, 0.045) + 0.03 * id;
        s.roughness = 0.08;
        s.f0 = 0.08;
        if (id < 0.35) {
            // a lit room: most warm (incandescent), one in four cool (LED,
            // a screen), each as bright as its lamps; brightest towards
            // the ceiling, and behind a half-drawn blind in some
            let k = id / 0.35;
            let tint = select(vec3<f32>(1.0, 0.7, 0.38), vec3<f32>(0.8, 0.88, 1.0), k > 0.75);
            let up = (cell.y - lo.y) / (hi.y - lo.y);
            let blind = select(1.0, 0.35, fract(k * 13.7) < 0.3 && up > 0.6);
            s.emission = tint * ((0.8 + 1.8 * fract(k * 5.3)) * mix(0.75, 1.15, up) * blind * night());
        }
    } else if (all(cell > lo - 0.03) && all(cell < hi + 0.03)) {
        // window frames and sills
        s.albedo = base * 0.55;
    }
    return s;
}

// Asphalt: fine aggregate, darker tar patches and lighter worn tracks
// (the two noises), small repairs of newer, darker asphalt edged with a
// glossy tar seal, and tar-sealed cracks. `uv`: ground coordinates,
// metres; `footprint`: metres under a pixel; `fine`: 1 where a pixel
// resolves centimetres, 0 far away. Seals and cracks have a width in
// metres: thinner than a pixel they cover part of it (no sparkle).
fn asphalt(base: vec3<f32>, uv: vec2<f32>, footprint: f32, fine: f32, fine_noise: f32, coarse_noise: f32) -> Surface {
    // the aggregate: stones of 2-3 cm, each its own shade (a value per
    // cell, not interpolated: grain, not blobs), on two grids turned
    // against each other so no square shows; faded out where a pixel
    // covers several stones. Near the camera the grain replaces part of
    // the 11 cm mottling, which alone looks like felt.
    let grain = 1.0 - smoothstep(0.01, 0.06, footprint);
    let turned = vec2<f32>(0.8 * uv.x - 0.6 * uv.y, 0.6 * uv.x + 0.8 * uv.y);
    let stones = bits_unit(hash_cell(floor(uv * 40.0), 5u), 0u) + bits_unit(hash_cell(floor(turned * 33.0), 6u), 0u) - 1.0;
    let mottle = mix(0.35, 0.18, grain) * fine * (fine_noise - 0.5);
    var s = Surface(base * 0.7 * (0.875 + mottle + 0.3 * grain * stones) * (0.8 + 0.45 * coarse_noise), 0.9, 0.04, vec3<f32>(0.0));
    // a repair in one 7 m cell in eight: 0.6-2.2 m by 0.5-1.5 m
    let cell = floor(uv / 7.0);
    let r = hash_cell(cell, 71u);
    let repaired = bits_unit(r, 0u) < 0.125;
    let size = vec2<f32>(0.6 + 1.6 * bits_unit(r, 1u), 0.5 + 1.0 * bits_unit(r, 2u));
    let centre = (cell + 0.5) * 7.0 + (vec2<f32>(bits_unit(r, 3u), bits_unit(r, 4u)) - 0.5) * (7.0 - size);
    let d = abs(uv - centre) - 0.5 * size;
    let inside = max(d.x, d.y);
    s.albedo = s.albedo * select(1.0, 0.86, repaired && inside < 0.0);
    // a seal 4 cm wide round the repair
    let seal = select(0.0, line_cover(inside, 0.02, footprint), repaired);
    // a crack 1.5-4.5 m long in 60% of 5 m cells, at any angle,
    // meandering with the coarse noise and jagged with the fine one
    let crack_cell = floor(uv / 5.0);
    let k = hash_cell(crack_cell, 3u);
    let cracked = bits_unit(k, 0u) < 0.6;
    // any direction (no trigonometry: a normalised pair of draws)
    let k2 = (k ^ (k >> 13u)) * 0x5bd1e995u;
    let along = normalize(vec2<f32>(bits_unit(k, 1u), bits_unit(k2, 2u)) - 0.49);
    let start = (crack_cell + vec2<f32>(bits_unit(k, 2u), bits_unit(k, 3u))) * 5.0;
    let rel = uv - start;
    let half_length = 0.75 + 1.5 * bits_unit(k, 4u);
    let across = dot(rel, vec2<f32>(-along.y, along.x)) + 0.6 * (coarse_noise - 0.5) + 0.03 * (fine_noise - 0.5);
    let ends = clamp(2.0 * (half_length - abs(dot(rel, along))), 0.0, 1.0);
    let crack = select(0.0, line_cover(across, 0.01, footprint) * ends, cracked);
    let tar = max(seal, crack);
    s.albedo = s.albedo * (1.0 - 0.7 * tar);
    s.roughness = mix(s.roughness, 0.45, tar);
    return s;
}

// How much of a pixel a line of half-width `half_m` covers at signed
// distance `d_m` from its middle (metres), `footprint` metres under the
// pixel: a line thinner than the pixel is widened to it and made fainter.
fn line_cover(d_m: f32, half_m: f32, footprint: f32) -> f32 {
    let w = max(half_m, 0.5 * footprint);
    return (1.0 - smoothstep(0.7 * w, 1.3 * w, abs(d_m))) * (half_m / w);
}

// Each material's detail frequencies (cycles per metre), indexed by class:
// x the fine value noise, y the coarse two-octave noise; 0 where unused.
fn detail_frequencies(c: u32) -> vec2<f32> {
    switch c {
        case 7u: { return vec2<f32>(9.0, 0.35); }   // asphalt: aggregate, tar patches
        case 34u: { return vec2<f32>(0.0, 2.5); }   // lane paint: wear
        case 8u: { return vec2<f32>(6.0, 0.0); }    // paving: slab mottling
        case 11u: { return vec2<f32>(0.7, 0.0); }   // facade: weathering
        case 21u: { return vec2<f32>(7.0, 3.0); }   // foliage: leaf clusters, clumps
        case 22u: { return vec2<f32>(5.0, 0.4); }   // grass: blades, dry patches
        default: { return vec2<f32>(0.0); }
    }
}

// `footprint`: metres of surface under one pixel; detail finer than that
// fades to its mean (no sparkle or moire in the distance).
// A software rasteriser runs every branch of a shader for every pixel
// (masked, not skipped), so the noises are evaluated once, at the
// frequencies of the pixel's material, and each material reads them.
// A top's print at `q` (metres up from the wearer's feet, and along world
// x + z from theirs): 1 stripes,
// 4.5 cm bands across the colour, cream on a dark top and navy on a light
// one (a Breton top); 2 checks, 6 cm
// bands up and across, darker where they cross, about the top's colour
// (a flannel shirt). The print shows where a band spans 4 pixels or more
// and has faded into the top's own colour by 2 (a few-pixel print reads as
// noise: a COCO detector found 3 of 37 fewer people with it drawn down to
// 1 pixel a band).
fn cloth_print(base: vec3<f32>, q: vec2<f32>, pattern: u32, footprint: f32) -> vec3<f32> {
    let shown = 1.0 - smoothstep(0.011, 0.022, footprint);
    if (pattern == 1u) {
        let light = dot(base, vec3<f32>(0.2126, 0.7152, 0.0722)) > 0.25;
        let ink = select(vec3<f32>(0.8, 0.78, 0.72), vec3<f32>(0.02, 0.03, 0.08), light);
        let cream = mix(base, ink, 0.6);
        let band = step(0.5, fract(q.x / 0.09));
        return mix(base, mix(base, cream, band), shown);
    }
    let up = step(0.5, fract(q.x / 0.12));
    let across = step(0.5, fract(q.y / 0.12));
    let shade = (1.0 - 0.22 * up) * (1.0 - 0.22 * across);
    return base * mix(1.0, shade / 0.7921, shown);
}

fn surface(in: VertexOut, n: vec3<f32>, footprint: f32) -> Surface {
    let fine = 1.0 - smoothstep(0.03, 0.12, footprint);
    let c = in.ids.x;
    let p = in.world;
    let uv = surface_uv(p, n);
    let freq = detail_frequencies(c);
    // foliage is textured across the crown (its normal turns everywhere)
    let coarse_uv = select(uv, vec2<f32>(p.x + p.z, p.y), c == 21u);
    // only the families whose materials read them (the rest use neither)
    var fine_noise = 0.5;
    var coarse_noise = 0.5;
    if (family_has(FAMILY_GROUND) || family_has(FAMILY_FACADE) || family_has(FAMILY_FOLIAGE)) {
        fine_noise = value_noise(uv * freq.x);
        coarse_noise = fbm(coarse_uv * freq.y);
    }
    var s = Surface(in.color, 0.7, 0.04, vec3<f32>(0.0));
    if (family_has(FAMILY_GROUND) && c == 7u) {
        s = asphalt(in.color, uv, footprint, fine, fine_noise, coarse_noise);
    } else if (family_has(FAMILY_GROUND) && c == 34u) {
        // lane paint, worn through in places
        s.albedo = in.color * mix(0.45, 1.0, smoothstep(0.3, 0.45, coarse_noise));
        s.roughness = 0.6;
    } else if (family_has(FAMILY_GROUND) && c == 8u) {
        // paving slabs 0.6 m with darker joints, each slab its own tint
        let g = uv / 0.6;
        let joint = min(min(fract(g.x), 1.0 - fract(g.x)), min(fract(g.y), 1.0 - fract(g.y)));
        let tint = 0.88 + 0.2 * hash2(floor(g));
        s.albedo = in.color * tint * select(1.0, mix(0.95, 0.6, fine), joint < 0.03) * (0.9 + 0.2 * fine_noise);
        s.roughness = 0.85;
    } else if (family_has(FAMILY_FACADE) && c == 11u) {
        s = facade(in.color, p, n, footprint, fine_noise);
    } else if (family_has(FAMILY_FOLIAGE) && c == 21u) {
        // foliage: clumps of light and shade, leaf clusters within them
        s.albedo = in.color * (0.45 + 0.9 * coarse_noise) * (1.0 + 0.6 * fine * (fine_noise - 0.5));
        s.roughness = 0.95;
    } else if (family_has(FAMILY_GROUND) && c == 22u) {
        // grass with drier, browner patches
        s.albedo = mix(in.color, in.color * vec3<f32>(1.3, 1.1, 0.6), smoothstep(0.45, 0.75, coarse_noise)) * (0.75 + 0.4 * fine_noise);
        s.roughness = 0.95;
    } else if (family_has(FAMILY_VEHICLE) && (c == 26u || c == 27u || c == 36u)) {
        let glass = in.color.b - in.color.r > 0.03 && max(in.color.r, max(in.color.g, in.color.b)) < 0.25;
        // rubber and plastic are neutral near-black; black paint has a
        // blue cast (b - r >= 0.01) and keeps its clear coat
        let rubber = max(in.color.r, max(in.color.g, in.color.b)) < 0.07 && in.color.b - in.color.r < 0.005;
        // clear-coated paint, dark glass, matte rubber and plastic
        s.roughness = select(select(0.12, 0.85, rubber), 0.04, glass);
        s.f0 = select(0.05, 0.06, glass);
    } else if (family_has(FAMILY_METAL) && (c == 17u || c == 14u || c == 19u || c == 20u || c == 33u)) {
        // poles, rails, signs, bicycles: painted or bare metal
        s.roughness = 0.4;
        s.f0 = 0.2;
    } else if (family_has(FAMILY_PERSON) && (c == 24u || c == 25u)) {
        // cloth and skin
        s.roughness = 0.75;
        s.f0 = 0.03;
        if (in.material.y > 0.5) {
            let q = vec2<f32>(in.world.y - in.material.z, in.world.x + in.world.z - in.material.w);
            s.albedo = cloth_print(in.color, q, u32(in.material.y + 0.5), footprint);
        }
    }
    return s;
}

// The sky as seen along a direction: the horizon bright and hazy, the
// zenith deeper; below the horizon the road and pavement, a grey of albedo
// ~0.1 lit by the sky and the sun (a car's flank mirrors the street, not a
// black void).
// The sky's colour is the fog's in clear air (the scenario's sky).
fn sky_radiance(dir: vec3<f32>) -> vec3<f32> {
    let base = view.fog.rgb;
    let up = clamp(dir.y, -1.0, 1.0);
    let horizon = mix(base, vec3<f32>(max(base.r, max(base.g, base.b))), 0.45) * 1.15;
    let zenith = base * vec3<f32>(0.7, 0.8, 0.95);
    let above = mix(horizon, zenith, sqrt(max(up, 0.0)));
    let sun_on_ground = view.sun_color.rgb * (view.sun_direction.w * max(view.sun_direction.y, 0.0));
    let ground = (view.ambient_color.rgb + sun_on_ground) * 0.1;
    return select(above, ground, up < 0.0);
}

// Cityscapes ids of the ground: road, sidewalk, terrain, lane marking.
fn is_ground(class_id: u32) -> bool {
    return class_id == 7u || class_id == 8u || class_id == 22u || class_id == 34u;
}

// Contact shadow: the sky's light occluded under and around the nearest
// objects' boxes (a car darkens the road beneath it), 1 unoccluded. The
// darkening falls off over the caster's falloff length (center.w, metres)
// outside its footprint and ends at its reach (half.w: 5 falloffs past the
// corners, src/core/shadow.rs).
// `pixel`: the fragment's position in the view, pixels. Only the casters
// listed for its screen tile are visited (a software rasteriser runs a
// loop for every pixel of a block as long as one of them needs it).
fn contact_occlusion(p: vec3<f32>, pixel: vec2<f32>) -> f32 {
    let tile = vec2<u32>(clamp(pixel / view.weather.yz * vec2<f32>(16.0, 12.0), vec2<f32>(0.0), vec2<f32>(15.0, 11.0)));
    let t = tile.y * 16u + tile.x;
    var listed = view.caster_tiles[t / 4u][t % 4u];
    var sky = 1.0;
    loop {
        if (listed == 0u) {
            break;
        }
        let i = firstTrailingBit(listed);
        listed = listed & (listed - 1u);
        let half = view.caster_half[i];
        let d = (p - view.caster_center[i].xyz).xz;
        if (dot(d, d) < half.w * half.w) {
            let falloff = view.caster_center[i].w;
            // a box turns about the vertical only: forward (fx, fz), side (-fz, fx)
            let f = view.caster_forward[i].xz;
            let o = vec2<f32>(dot(d, f), d.y * f.x - d.x * f.y);
            let out = max(abs(o) - half.xz, vec2<f32>(0.0));
            // exp(-x / falloff) less its value 5 falloffs out, so it meets 0 there
            let dark = max(exp(-length(out) / falloff) - 0.0067, 0.0) * (0.6 / 0.9933);
            sky = sky * (1.0 - dark);
        }
    }
    return sky;
}

// How much sunlight reaches a point: 1 lit, 0 in shadow, the shadow map's
// comparisons filtered 2x2 by the sampler (edges soft over a texel).
// The point is pushed off its surface along the normal by a texel or so,
// so a lit face does not shadow itself.
fn sunlight(p: vec3<f32>, n: vec3<f32>) -> f32 {
    if (view.look.x < 0.5) {
        return 1.0;
    }
    let texel_m = 1.5 * view.look.y / max(abs(view.sun_from_world[0][0]), 1e-6);
    let q = view.sun_from_world * vec4<f32>(p + n * texel_m, 1.0);
    let uv = vec2<f32>(q.x * 0.5 + 0.5, 0.5 - q.y * 0.5);
    if (any(uv < vec2<f32>(0.0)) || any(uv > vec2<f32>(1.0)) || q.z > 1.0) {
        return 1.0;
    }
    // one tap, filtered 2x2 by the comparison sampler: soft to a texel;
    // faded out over the last 15% of the shadows' distance (no hard line)
    let lit = textureSampleCompareLevel(shadow_map, shadow_sampler, uv, q.z);
    let depth = dot(p - view.camera_position.xyz, view.camera_forward.xyz);
    return mix(lit, 1.0, smoothstep(0.85 * view.look.z, view.look.z, depth));
}

// GGX microfacet specular for one light (Smith-Schlick visibility).
fn ggx(n: vec3<f32>, v: vec3<f32>, l: vec3<f32>, roughness: f32, f0: f32) -> f32 {
    let h = normalize(v + l);
    let a = max(roughness * roughness, 0.004);
    let a2 = a * a;
    let nh = max(dot(n, h), 0.0);
    let nl = max(dot(n, l), 0.0);
    let nv = max(dot(n, v), 1e-3);
    let d = a2 / (3.14159265 * pow(nh * nh * (a2 - 1.0) + 1.0, 2.0));
    let k = a * 0.5;
    let vis = 1.0 / ((nl * (1.0 - k) + k) * (nv * (1.0 - k) + k));
    let f = f0 + (1.0 - f0) * pow(1.0 - max(dot(v, h), 0.0), 5.0);
    return min(d * vis * f * 0.25 * nl, 30.0);
}

// Filmic tone curve (Narkowicz's fit of ACES) after exposure: highlights
// roll off instead of clipping; the sRGB target encodes the result.
fn tone_map(x: vec3<f32>) -> vec3<f32> {
    let e = x * 0.85;
    return clamp((e * (2.51 * e + 0.03)) / (e * (2.43 * e + 0.59) + 0.14), vec3<f32>(0.0), vec3<f32>(1.0));
}

// Lamp `i` (a street light, a headlight) as seen from `p`: xyz the unit
// direction towards it, w its power there: intensity through its
// soft-edged spot cone, inverse-square falloff that stops growing within
// its near field.
fn lamp_toward(i: u32, p: vec3<f32>) -> vec4<f32> {
    let to_light = view.light_position[i].xyz - p;
    let near = view.light_direction[i].w;
    let d2 = max(dot(to_light, to_light), max(near * near, 0.25));
    let l = normalize(to_light);
    let cos_cut = view.light_color[i].a;
    var spot = select(1.0, smoothstep(cos_cut, cos_cut + 0.05, dot(-l, view.light_direction[i].xyz)), cos_cut > -1.0);
    // the cut-off: a street light's shield towards its pole (which had
    // shone like a tube), a low beam's line just above the horizon
    let cut = view.light_shield[i];
    if (cut.w > 0.0) {
        spot = spot * mix(0.03, 1.0, smoothstep(-cut.w, -cut.w / 3.0, dot(l, cut.xyz)));
    }
    return vec4<f32>(l, view.light_position[i].w * spot / d2);
}

// Lamps seen through fog, rain or snow: the light the six lamps nearest
// the camera send into the haze that the haze scatters back along the
// view ray (single scattering, forward-peaked as fog and rain droplets
// scatter), from the camera to the surface or 60 m. Per lamp the
// inverse-square integral along the ray is exact (the ray's closest
// approach `h`, at `t0`). The two nearest (the ego's low beams when on: a
// glowing cone below the cut-off; each costs ~15% of a night-fog frame on
// lavapipe) take their spot, cut-off and the haze between lamp and ray as
// averaged over 3 points spread towards the camera and the closest point,
// weighted as the integral weighs them (a lamp whose glow cannot reach
// 0.002 is skipped); the next four take them at the closest point (a
// street light's cone and halo).
// How the view ray from `eye` along `dir` passes lamp `i` within `reach`:
// x the distance along it to the closest approach, y the closest
// approach (at least 0.25 m), z the exact integral of 1 / r^2 along it.
fn ray_past_lamp(i: u32, eye: vec3<f32>, dir: vec3<f32>, reach: f32) -> vec3<f32> {
    let to_lamp = view.light_position[i].xyz - eye;
    let t0 = dot(to_lamp, dir);
    let h = max(length(to_lamp - dir * t0), 0.25);
    return vec3<f32>(t0, h, (atan((reach - t0) / h) + atan(t0 / h)) / h);
}

// What lamp `i` sends from `p` towards the camera along -`dir`, per unit
// of its power and of the inverse-square integral: its spot and cut-off
// at `p`, the haze on the way from the lamp and on to the camera (`t`
// metres), and the droplets' forward scattering (Henyey-Greenstein,
// g = 0.6: a lamp faced through the haze has a bright halo, a beam seen
// from beside or behind a dimmer glow). x that, y the squared distance.
fn scattered_at(i: u32, p: vec3<f32>, t: f32, dir: vec3<f32>, h: f32) -> vec2<f32> {
    let r2 = max(dot(p - view.light_position[i].xyz, p - view.light_position[i].xyz), h * h);
    let lamp = lamp_toward(i, p);
    // lamp.w is power / r^2 through the spot: back to the spot alone
    let spot = min(lamp.w * r2 / max(view.light_position[i].w, 1e-6), 1.0);
    let phase = 0.64 / (12.566 * pow(1.36 - 1.2 * dot(-lamp.xyz, -dir), 1.5));
    return vec2<f32>(spot * phase * exp(-view.fog.a * (sqrt(r2) + t)), r2);
}

fn lamp_glow(dir: vec3<f32>, surface_m: f32) -> vec3<f32> {
    let sigma = view.fog.a;
    if (!LAMPS || sigma <= 0.0) {
        return vec3<f32>(0.0);
    }
    let reach = min(surface_m, 60.0);
    let eye = view.camera_position.xyz;
    var glow = vec3<f32>(0.0);
    for (var i = 0u; i < min(view.light_count.x, 6u); i = i + 1u) {
        let ray = ray_past_lamp(i, eye, dir, reach);
        let t0 = ray.x;
        let h = ray.y;
        let along = ray.z;
        var share = 0.0;
        if (i < 2u) {
            // at most (the phase's peak is 0.8): skip a lamp too faint to show
            let most = view.light_position[i].w * along * 0.8 * sigma * 3.1416 * exp(-sigma * h);
            if (most < 0.002) {
                continue;
            }
            var weighted = 0.0;
            var weights = 0.0;
            for (var k = 0u; k < 4u; k = k + 1u) {
                let u = (f32(k) + 0.5) / 3.0;
                let t = select(reach * u * u, clamp(t0, 0.0, reach), k == 3u);
                let s = scattered_at(i, eye + dir * t, t, dir, h);
                weighted += s.x / s.y;
                weights += 1.0 / s.y;
            }
            share = weighted / weights;
        } else {
            // the next four where the ray passes them (a street light's
            // halo while the ego's low beams take the two sampled places)
            let tc = clamp(t0, 0.0, reach);
            share = scattered_at(i, eye + dir * tc, tc, dir, h).x;
        }
        glow += view.light_color[i].rgb * (view.light_position[i].w * along * share);
    }
    // a lamp of power 1 lights a white surface 1 m away to radiance 1 (pi
    // times the radiometric value), so the haze's radiance is pi times too
    return glow * (sigma * 3.1416);
}

// The flat look (`render: (look: Flat)`): flat colours, Lambert sun and
// ambient light, a wet road's mirror term, lamps, fog; no detail, no tone
// curve. The last frames per second.
fn shade_flat(in: VertexOut) -> vec4<f32> {
    let n = normalize(in.normal);
    let sun = max(dot(n, view.sun_direction.xyz), 0.0) * view.sun_direction.w;
    var light = view.ambient_color.rgb + view.sun_color.rgb * sun;
    // a water film darkens the surface (light is trapped under it) and mirrors
    // the sky, the sun and the lamps (Schlick's Fresnel for water)
    let wet = select(0.0, view.weather.x, takes_water(in.ids.x));
    let to_eye = normalize(view.camera_position.xyz - in.world);
    let mirror = reflect(-to_eye, n);
    let fresnel = wet * (0.02 + 0.98 * pow(1.0 - max(dot(n, to_eye), 0.0), 5.0));
    var specular = fresnel * view.ambient_color.rgb * 0.8
        + wet * view.sun_color.rgb * (view.sun_direction.w * 4.0 * pow(max(dot(mirror, view.sun_direction.xyz), 0.0), 400.0));
    // lamps and headlights: inverse-square falloff, soft-edged spot cones
    for (var i = 0u; i < view.light_count.x; i = i + 1u) {
        let lamp = lamp_toward(i, in.world);
        light += view.light_color[i].rgb * (lamp.w * max(dot(n, lamp.xyz), 0.0));
        // glare of the lamp on a wet road: a long streak towards the viewer
        specular += wet * view.light_color[i].rgb * (lamp.w * 2.0 * pow(max(dot(mirror, lamp.xyz), 0.0), 60.0));
    }
    let snow = select(0.0, view.weather.w, takes_snow(in.ids.x));
    let albedo = mix(in.color, vec3<f32>(0.9, 0.92, 0.95), snow);
    let lit = albedo * (1.0 - 0.5 * wet) * light + specular + in.color * in.material.x;
    // Beer-Lambert extinction along the view ray; fog never touches labels.
    let distance = length(in.world - view.camera_position.xyz);
    let transmittance = exp(-view.fog.a * distance);
    return vec4<f32>(mix(view.fog.rgb, lit, transmittance), 1.0);
}

fn shade(in: VertexOut) -> vec4<f32> {
    // before any branch: derivatives need uniform control flow
    let footprint = length(fwidth(in.world));
    var n = normalize(in.normal);
    let to_eye = normalize(view.camera_position.xyz - in.world);
    // faces seen from behind (open meshes) shade as their front
    if (dot(n, to_eye) < 0.0) {
        n = -n;
    }
    // fully fogged: none of the surface reaches the camera
    let distance = length(in.world - view.camera_position.xyz);
    let transmittance = exp(-view.fog.a * distance);
    let glow = lamp_glow(-to_eye, distance);
    if (transmittance < 0.002) {
        return vec4<f32>(tone_map(view.fog.rgb + glow), 1.0);
    }
    var m = surface(in, n, footprint);
    m.emission = m.emission + in.color * in.material.x;
    let wet = select(0.0, view.weather.x, takes_water(in.ids.x));
    // a water film darkens the surface (light is trapped under it) and makes it a mirror
    m.roughness = mix(m.roughness, 0.15, wet);
    m.f0 = mix(m.f0, 0.02, wet);
    let sun_dir = view.sun_direction.xyz;
    var occlusion = 1.0;
    if (family_has(FAMILY_GROUND) && is_ground(in.ids.x)) {
        occlusion = contact_occlusion(in.world, in.clip.xy);
    }
    // faces turned from the sun need no shadow lookup (a texture sample is
    // dear on a software rasteriser)
    var sunlit = 0.0;
    if (dot(n, sun_dir) > 0.0 && view.sun_direction.w > 0.0) {
        sunlit = sunlight(in.world, n) * view.sun_direction.w;
        if (CLOUDS) {
            sunlit = sunlit * cloud_transmittance(in.world);
        }
    }
    let sun = max(dot(n, sun_dir), 0.0) * sunlit;
    // sky light from above, dimmer light bounced off the ground from below
    let hemi = mix(0.45, 1.0, 0.5 + 0.5 * n.y) * occlusion;
    var light = view.ambient_color.rgb * hemi + view.sun_color.rgb * sun;
    let mirror = reflect(-to_eye, n);
    let nv = max(dot(n, to_eye), 0.0);
    // Schlick's Fresnel, capped by roughness (a rough surface's microfacets
    // face every way, so it never turns into a grazing mirror)
    let fresnel = m.f0 + (max(1.0 - m.roughness, m.f0) - m.f0) * pow(1.0 - nv, 5.0);
    // the sky mirrored by smooth surfaces (blurred to its mean by rough ones)
    let gloss = (1.0 - m.roughness) * (1.0 - m.roughness);
    let env = mix(view.ambient_color.rgb * 0.5, sky_radiance(mirror), gloss);
    var specular = fresnel * env * mix(0.35, 1.0, gloss)
        + view.sun_color.rgb * (sunlit * ggx(n, to_eye, sun_dir, m.roughness, m.f0));
    // lamps and headlights: inverse-square falloff, soft-edged spot cones
    if (LAMPS) {
        for (var i = 0u; i < view.light_count.x; i = i + 1u) {
            let lamp = lamp_toward(i, in.world);
            light += view.light_color[i].rgb * (lamp.w * max(dot(n, lamp.xyz), 0.0));
            // glare of the lamp on glossy and wet surfaces: a streak towards the viewer
            specular += view.light_color[i].rgb * (lamp.w * ggx(n, to_eye, lamp.xyz, m.roughness, m.f0));
        }
    }
    let snow = select(0.0, view.weather.w, takes_snow(in.ids.x));
    let albedo = mix(m.albedo, vec3<f32>(0.9, 0.92, 0.95), snow);
    let lit = albedo * (1.0 - 0.5 * wet) * light * (1.0 - fresnel) + specular + m.emission;
    // Beer-Lambert extinction along the view ray, and the lamps' light the
    // haze scatters; fog never touches labels.
    return vec4<f32>(tone_map(mix(view.fog.rgb, lit, transmittance) + glow), 1.0);
}

struct LabeledOut {
    @location(0) color: vec4<f32>,
    @location(1) label: u32,
};

// The label value: the instance id for things, else the class id.
fn label_of(in: VertexOut) -> u32 {
    return select(in.ids.x, in.ids.y, in.ids.y != 0u);
}

@fragment
fn fs_labeled(in: VertexOut) -> LabeledOut {
    return LabeledOut(shade(in), label_of(in));
}

@fragment
fn fs_color(in: VertexOut) -> @location(0) vec4<f32> {
    return shade(in);
}

// The flat look's entry points: a pipeline of its own, so a software
// rasteriser never carries the realistic shading's code.
@fragment
fn fs_labeled_flat(in: VertexOut) -> LabeledOut {
    return LabeledOut(shade_flat(in), label_of(in));
}

@fragment
fn fs_color_flat(in: VertexOut) -> @location(0) vec4<f32> {
    return shade_flat(in);
}

// LiDAR views: the label value only, no shading (the depth buffer carries range).
@fragment
fn fs_label_only(in: VertexOut) -> @location(0) u32 {
    return label_of(in);
}

// Rain streaks and snow flakes: screen-aligned quads between two world points,
// a few pixels wide, blended over the colour only (no depth or label write).
struct ParticleIn {
    @builtin(vertex_index) corner: u32,
    // xyz: streak start (world); w: width in pixels
    @location(0) a: vec4<f32>,
    // xyz: streak end (world); w: opacity
    @location(1) b: vec4<f32>,
};

struct ParticleOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) color: vec4<f32>,
};

@vertex
fn vs_particle(p: ParticleIn) -> ParticleOut {
    let ca = view.clip_from_world * vec4<f32>(p.a.xyz, 1.0);
    let cb = view.clip_from_world * vec4<f32>(p.b.xyz, 1.0);
    let size = view.weather.yz;
    // the streak's axis in pixels
    var axis = (cb.xy / cb.w - ca.xy / ca.w) * size * 0.5;
    if (length(axis) < 1e-4) {
        axis = vec2<f32>(0.0, 1.0);
    }
    let along = normalize(axis);
    let across = vec2<f32>(-along.y, along.x);
    // two triangles: (end, side) per corner
    var ends = array<f32, 6>(0.0, 1.0, 1.0, 0.0, 1.0, 0.0);
    var sides = array<f32, 6>(-1.0, -1.0, 1.0, -1.0, 1.0, 1.0);
    let end = ends[p.corner];
    let side = sides[p.corner];
    let c = mix(ca, cb, end);
    // half a width sideways, and half a width past each end (round-ish flakes)
    let half_px = p.a.w * 0.5;
    let offset_px = across * side * half_px + along * (end * 2.0 - 1.0) * half_px;
    var out: ParticleOut;
    out.clip = c + vec4<f32>(offset_px * 2.0 / size * c.w, 0.0, 0.0);
    // lit by the sky and the sun, seen through the haze like everything else
    let light = view.ambient_color.rgb + view.sun_color.rgb * (view.sun_direction.w * 0.5);
    let distance = length(mix(p.a.xyz, p.b.xyz, end) - view.camera_position.xyz);
    let transmittance = exp(-view.fog.a * distance);
    out.color = vec4<f32>(tone_map(mix(view.fog.rgb, light * 0.9, transmittance)), p.b.w);
    return out;
}

@fragment
fn fs_particle(in: ParticleOut) -> @location(0) vec4<f32> {
    return in.color;
}

// The sky: a full-screen triangle under the scene, the gradient and the sun
// disc with its glow along each pixel's view ray; in fog, rain or snow the
// haze hides it (infinitely far, nothing of it comes through).
struct SkyOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) ndc: vec2<f32>,
};

@vertex
fn vs_sky(@builtin(vertex_index) i: u32) -> SkyOut {
    let xy = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u)) * 2.0 - 1.0;
    var out: SkyOut;
    out.clip = vec4<f32>(xy, 0.0, 1.0);
    out.ndc = xy;
    return out;
}

struct SkyColorOut {
    @location(0) color: vec4<f32>,
    @location(1) label: u32,
};

// Cumulus on a layer 1.5 km up: at a point of the layer (world x, z),
// x their opacity and y their thickness, 0..1 (0 with no cover). The cover
// (look.w) sets how much of the noise is cloud.
const CLOUD_LAYER_M: f32 = 1500.0;
fn cloud_density(on_layer: vec2<f32>) -> vec2<f32> {
    let cover = view.look.w;
    // they drift with the wind aloft (sun_color.w, ambient_color.w): their
    // shadows sweep across the ground during a run
    let drift = vec2<f32>(view.sun_color.w, view.ambient_color.w);
    let uv = (on_layer - drift * view.camera_forward.w) / 900.0;
    let n = fbm(uv) * 0.75 + 0.25 * value_noise(uv * 4.1 + 3.0);
    return vec2<f32>(
        smoothstep(1.0 - cover - 0.05, 1.0 - cover + 0.3, n) * min(1.0, 2.0 * cover + 0.3),
        smoothstep(1.0 - cover, 1.0 - cover + 0.5, n),
    );
}

// The clouds seen along `dir`: rgb their radiance, a their opacity
// (towards the horizon they thin into the haze). Tops lit by the sun,
// bases shaded grey, the side towards the sun brighter.
fn clouds(dir: vec3<f32>) -> vec4<f32> {
    if (!CLOUDS || view.look.w <= 0.0 || dir.y <= 0.0) {
        return vec4<f32>(0.0);
    }
    let on_layer = dir.xz / max(dir.y, 0.03) * CLOUD_LAYER_M + view.camera_position.xz;
    let d = cloud_density(on_layer);
    let toward_sun = max(dot(dir, view.sun_direction.xyz), 0.0);
    let lit = view.sun_color.rgb * view.sun_direction.w * (0.55 + 0.35 * toward_sun) + view.ambient_color.rgb;
    let colour = lit * mix(0.95, 0.55, d.y);
    return vec4<f32>(colour, d.x * smoothstep(0.02, 0.2, dir.y));
}

// The share of the sun's light that comes through the clouds to a world
// point: its shadow is the cloud the sun ray crosses on the layer, the
// same clouds the sky shows.
fn cloud_transmittance(p: vec3<f32>) -> f32 {
    let sun = view.sun_direction.xyz;
    if (view.look.w <= 0.0 || sun.y <= 0.02) {
        return 1.0;
    }
    let on_layer = p.xz + sun.xz / sun.y * (CLOUD_LAYER_M - p.y);
    return 1.0 - 0.8 * cloud_density(on_layer).x;
}

@fragment
fn fs_sky(in: SkyOut) -> SkyColorOut {
    let p = view.world_from_clip * vec4<f32>(in.ndc, 1.0, 1.0);
    let dir = normalize(p.xyz / p.w - view.camera_position.xyz);
    let toward_sun = max(dot(dir, view.sun_direction.xyz), 0.0);
    let sun = view.sun_color.rgb * view.sun_direction.w
        * (select(0.0, 20.0, toward_sun > 0.99996) + 0.6 * pow(toward_sun, 300.0) + 0.12 * pow(toward_sun, 12.0));
    let haze = select(1.0, 0.0, view.fog.a > 0.0);
    let cloud = clouds(dir);
    let sky = mix(sky_radiance(dir) + sun * (1.0 - cloud.a), cloud.rgb, cloud.a);
    var out: SkyColorOut;
    out.color = vec4<f32>(tone_map(mix(view.fog.rgb, sky, haze) + lamp_glow(dir, 60.0)), 1.0);
    out.label = 0u;
    return out;
}
