//! Commands of the sorted set family.

pub mod range;

use super::spec::CommandSpec;

/// The sorted set commands.
pub static COMMANDS: &[CommandSpec] = &[];
