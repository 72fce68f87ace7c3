//! Commands of the zsets family.

use super::spec::CommandSpec;

/// The zsets commands.
pub static COMMANDS: &[CommandSpec] = &[];
