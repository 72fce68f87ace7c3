//! Commands of the sort family.

use super::spec::CommandSpec;

/// The sort commands.
pub static COMMANDS: &[CommandSpec] = &[];
