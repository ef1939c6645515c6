//! Edgecase: scenario in, labeled sensor dataset out.
//!
//! Layers (each a folder): `cli`/`batch`/`editor` front ends; `scenario`; `world`,
//! `actors`; `weather`; `sensors`; `labels`; `writers`; `core` (pure math,
//! no Bevy). `sim::SimPlugin` holds what every front end shares.

pub mod actors;
pub mod app;
pub mod batch;
pub mod cli;
pub mod core;
pub mod editor;
pub mod labels;
pub mod physics;
pub mod scenario;
pub mod sensors;
pub mod sim;
pub mod snapshot;
pub mod sweep;
pub mod weather;
pub mod world;
pub mod writers;
