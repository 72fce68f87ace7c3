//! Commands of the sets family.

use super::spec::CommandSpec;

/// The sets commands.
pub static COMMANDS: &[CommandSpec] = &[];
