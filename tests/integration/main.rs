#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed test
//! Integration tests, in tiers: headless App (no GPU), render tests on the
//! software renderer, CLI end-to-end with the real readers' rules.

mod app;
mod cli;
mod common;
mod devices;
mod editor;
mod effects;
mod failures;
mod formats;
mod hazards;
mod impacts;
mod jpeg;
mod layers;
mod lens;
mod lidar;
mod look;
mod people;
mod readers;
mod render;
mod report;
mod rig;
mod signals;
mod slurm;
mod sweep;
mod traffic;
