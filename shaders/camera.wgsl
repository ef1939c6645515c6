// Sensor camera: one pass writes the lit, fogged colour AND the exact label
// target for the same view: one u32 per pixel in the Cityscapes instanceIds
// convention (instance id = class_id*1000 + k for things, else the class id).
// Depth comes from the depth buffer itself (reverse-Z: z = near / depth).
// The label target is an integer format: no MSAA, no blending, no filtering.

struct View {
    clip_from_world: mat4x4<f32>,
    // xyz: camera position (world); w unused
    camera_position: vec4<f32>,
    // xyz: optical axis (world, unit); w unused
    camera_forward: vec4<f32>,
    // xyz: direction towards the sun (unit); w: sun intensity
    sun_direction: vec4<f32>,
    sun_color: vec4<f32>,
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
    // x: road wetness 0..1; yz: viewport size in pixels; w: snow cover 0..1
    weather: vec4<f32>,
};

@group(0) @binding(0) var<uniform> view: View;

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
    @location(10) ids: vec2<u32>,
};

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) color: vec3<f32>,
    @location(3) @interpolate(flat) ids: vec2<u32>,
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
    out.ids = v.ids;
    return out;
}

// Cityscapes ids of the surfaces snow settles on: sidewalk, vegetation, terrain.
fn takes_snow(class_id: u32) -> bool {
    return class_id == 8u || class_id == 21u || class_id == 22u;
}

// Cityscapes ids of the surfaces a rain film covers: road, sidewalk, lane marking.
fn takes_water(class_id: u32) -> bool {
    return class_id == 7u || class_id == 8u || class_id == 34u;
}

fn shade(in: VertexOut) -> vec4<f32> {
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
        let to_light = view.light_position[i].xyz - in.world;
        let near = view.light_direction[i].w;
        let d2 = max(dot(to_light, to_light), max(near * near, 0.25));
        let l = normalize(to_light);
        let cos_cut = view.light_color[i].a;
        let spot = select(1.0, smoothstep(cos_cut, cos_cut + 0.05, dot(-l, view.light_direction[i].xyz)), cos_cut > -1.0);
        light += view.light_color[i].rgb * (view.light_position[i].w * spot * max(dot(n, l), 0.0) / d2);
        // glare of the lamp on a wet road: a long streak towards the viewer
        specular += wet * view.light_color[i].rgb * (view.light_position[i].w * spot * 2.0 * pow(max(dot(mirror, l), 0.0), 60.0) / d2);
    }
    let snow = select(0.0, view.weather.w, takes_snow(in.ids.x));
    let albedo = mix(in.color, vec3<f32>(0.9, 0.92, 0.95), snow);
    let lit = albedo * (1.0 - 0.5 * wet) * light + specular;
    // Beer-Lambert extinction along the view ray; fog never touches labels.
    let distance = length(in.world - view.camera_position.xyz);
    let transmittance = exp(-view.fog.a * distance);
    return vec4<f32>(mix(view.fog.rgb, lit, transmittance), 1.0);
}

struct LabeledOut {
    @location(0) color: vec4<f32>,
    @location(1) label: u32,
};

@fragment
fn fs_labeled(in: VertexOut) -> LabeledOut {
    var out: LabeledOut;
    out.color = shade(in);
    out.label = select(in.ids.x, in.ids.y, in.ids.y != 0u);
    return out;
}

@fragment
fn fs_color(in: VertexOut) -> @location(0) vec4<f32> {
    return shade(in);
}

// LiDAR views: the label value only, no shading (the depth buffer carries range).
@fragment
fn fs_label_only(in: VertexOut) -> @location(0) u32 {
    return select(in.ids.x, in.ids.y, in.ids.y != 0u);
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
    out.color = vec4<f32>(mix(view.fog.rgb, light * 0.9, transmittance), p.b.w);
    return out;
}

@fragment
fn fs_particle(in: ParticleOut) -> @location(0) vec4<f32> {
    return in.color;
}
