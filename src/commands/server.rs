//! Server commands.

use super::spec::CommandSpec;

/// The server family's table.
pub const COMMANDS: &[CommandSpec] = &[];
