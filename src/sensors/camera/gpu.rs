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
}

impl GpuContext {
    pub fn new_headless() -> Result<GpuContext, GpuError> {
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
        Ok(GpuContext {
            device,
            queue,
            cpu_rasterizer: info.device_type == wgpu::DeviceType::Cpu,
            adapter_name: info.name,
            backend: format!("{:?}", info.backend),
        })
    }
}
