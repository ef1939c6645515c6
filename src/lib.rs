//! Edgecase: scenario in, labeled sensor dataset out.

pub mod core;
