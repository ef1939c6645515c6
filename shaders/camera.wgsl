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

fn shade(in: VertexOut) -> vec4<f32> {
    let n = normalize(in.normal);
    let sun = max(dot(n, view.sun_direction.xyz), 0.0) * view.sun_direction.w;
    var light = view.ambient_color.rgb + view.sun_color.rgb * sun;
    // lamps and headlights: inverse-square falloff, soft-edged spot cones
    for (var i = 0u; i < view.light_count.x; i = i + 1u) {
        let to_light = view.light_position[i].xyz - in.world;
        let near = view.light_direction[i].w;
        let d2 = max(dot(to_light, to_light), max(near * near, 0.25));
        let l = normalize(to_light);
        let cos_cut = view.light_color[i].a;
        let spot = select(1.0, smoothstep(cos_cut, cos_cut + 0.05, dot(-l, view.light_direction[i].xyz)), cos_cut > -1.0);
        light += view.light_color[i].rgb * (view.light_position[i].w * spot * max(dot(n, l), 0.0) / d2);
    }
    let lit = in.color * light;
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
