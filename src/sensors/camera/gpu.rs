//! A headless wgpu device. On machines without a GPU this is Mesa lavapipe
//! (software Vulkan).

use thiserror::Error;

#[derive(Debug, Error)]
pub enum GpuError {
    #[error(
        "no GPU adapter found ({0}). Edgecase renders through Vulkan; on a machine without a GPU install \
         Mesa's software renderer (Debian/Ubuntu: `apt-get install mesa-vulkan-drivers libvulkan1`)"
    )]
    NoAdapter(String),
    #[error("the GPU adapter refused to create a device: {0}")]
    Device(String),
    #[error(
        "{RENDER_DEVICES_VAR}={0:?}: expected a whole number of devices from 1 to {MAX_FRAME_DEVICES}"
    )]
    DeviceCount(String),
}

/// The environment variable that sets how many devices render frames at
/// once (`GpuContext::frame_devices`).
pub const RENDER_DEVICES_VAR: &str = "EDGECASE_RENDER_DEVICES";
pub const MAX_FRAME_DEVICES: usize = 4;

/// `RENDER_DEVICES_VAR`'s value as a device count, 1 to `MAX_FRAME_DEVICES`.
pub fn parse_frame_devices(text: &str) -> Result<usize, GpuError> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_FRAME_DEVICES).contains(&n) => Ok(n),
        _ => Err(GpuError::DeviceCount(text.to_string())),
    }
}

/// How many devices render a run's frames at once (`RenderPool`): two on a
/// CPU rasterizer with two cores or more (it runs a frame's passes one
/// after another and bins each on one thread, so one device leaves part of
/// a core idle), one on a GPU or a single core. `requested`: the count
/// `RENDER_DEVICES_VAR` sets, which overrides.
pub fn frame_devices(requested: Option<usize>, cpu_rasterizer: bool, cores: usize) -> usize {
    match requested {
        Some(n) => n,
        None if cpu_rasterizer && cores >= 2 => 2,
        None => 1,
    }
}

/// Cloning shares the device (the editor's views and its sensors use one).
#[derive(Clone)]
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter_name: String,
    pub backend: String,
    /// The adapter is a CPU rasterizer (lavapipe): rendering takes the same
    /// cores as everything else.
    pub cpu_rasterizer: bool,
    /// How many devices a run's sensors render frames on at once (this one
    /// and more of the same adapter): `frame_devices`.
    pub frame_devices: usize,
}

impl GpuContext {
    pub fn new_headless() -> Result<GpuContext, GpuError> {
        // a bad setting is refused before any device is made
        let requested = (std::env::var(RENDER_DEVICES_VAR).ok())
            .map(|text| parse_frame_devices(&text))
            .transpose()?;
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu::Backends::VULKAN;
        let instance = wgpu::Instance::new(desc);
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            force_fallback_adapter: false,
            compatible_surface: None,
        }))
        .map_err(|e| GpuError::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("edgecase"),
            required_features: wgpu::Features::empty(),
            required_limits: wgpu::Limits::default().using_resolution(adapter.limits()),
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device(e.to_string()))?;
        let cpu_rasterizer = info.device_type == wgpu::DeviceType::Cpu;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(GpuContext {
            device,
            queue,
            cpu_rasterizer,
            frame_devices: frame_devices(requested, cpu_rasterizer, cores),
            adapter_name: info.name,
            backend: format!("{:?}", info.backend),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_devices_on_a_cpu_rasterizer_with_cores_to_spare_else_one() {
        assert_eq!(frame_devices(None, true, 2), 2);
        assert_eq!(frame_devices(None, true, 16), 2);
        assert_eq!(frame_devices(None, true, 1), 1);
        assert_eq!(frame_devices(None, false, 16), 1);
        assert_eq!(frame_devices(Some(3), false, 1), 3);
        assert_eq!(frame_devices(Some(1), true, 2), 1);
        assert_eq!(parse_frame_devices("3").unwrap(), 3);
        assert_eq!(parse_frame_devices(" 1 ").unwrap(), 1);
        for bad in ["0", "5", "-1", "two", ""] {
            let e = parse_frame_devices(bad).unwrap_err().to_string();
            assert!(
                e.contains(RENDER_DEVICES_VAR) && e.contains("1 to 4"),
                "{e}"
            );
        }
    }
}
