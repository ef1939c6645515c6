//! Edgecase: scenario in, labeled sensor dataset out.
//!
//! Layers, lowest first (docs/ARCHITECTURE.md; `tests/integration/layers.rs`
//! keeps imports pointing down): `core` (pure math, no Bevy) < `scenario` <
//! `snapshot` (what a frame carries) < `sim` (the tick) < `world`, `actors`,
//! `physics`, `weather` < `labels` < `sensors` < `writers` < front ends
//! (`app`, `batch`, `sweep`, `editor`, `report`, `cli`). `app::SimPlugin` holds what
//! every front end shares.

pub mod actors;
pub mod app;
pub mod batch;
pub mod cli;
pub mod console;
pub mod core;
pub mod editor;
pub mod labels;
pub mod physics;
pub mod report;
pub mod scenario;
pub mod sensors;
pub mod sim;
pub mod snapshot;
pub mod sweep;
pub mod weather;
pub mod world;
pub mod writers;
