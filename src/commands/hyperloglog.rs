//! Commands of the hyperloglog family.

use super::spec::CommandSpec;

/// The hyperloglog commands.
pub static COMMANDS: &[CommandSpec] = &[];
