//! Commands of the lists family.

use super::spec::CommandSpec;

/// The lists commands.
pub static COMMANDS: &[CommandSpec] = &[];
