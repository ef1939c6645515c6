//! Edgecase: scenario in, labeled sensor dataset out.

pub mod actors;
pub mod core;
pub mod scenario;
pub mod sim;
pub mod world;
