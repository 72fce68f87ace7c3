//! Commands of the hashes family.

use super::spec::CommandSpec;

/// The hashes commands.
pub static COMMANDS: &[CommandSpec] = &[];
