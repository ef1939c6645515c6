//! The simulation's shared vocabulary, below the modules that simulate: the
//! tick (its system sets and clock) and the components several of them use.
//! `app::SimPlugin` composes the simulating modules on top of it.

pub mod components;
pub mod tick;

pub use tick::{MotionSet, SimClock, SimSet, SpawnSet, TickPlugin};
