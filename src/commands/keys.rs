//! Generic key commands (Redis' db.c and expire.c).

use super::spec::CommandSpec;

/// The generic family's table.
pub const COMMANDS: &[CommandSpec] = &[];
