//! The sorted set type. (Placeholder representation; the real encodings
//! replace the fields but keep these methods.)

/// A sorted set value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ZSet {
    entries: Vec<(f64, Vec<u8>)>,
}

impl ZSet {
    /// An empty sorted set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the sorted set has no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        "listpack"
    }

    /// Calls `f(member, score)` on every member in rank order (ascending
    /// score, then member bytes).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        for (s, m) in &self.entries {
            f(m, *s);
        }
    }

    /// Approximate heap bytes used (MEMORY USAGE).
    pub fn memory_usage(&self) -> usize {
        self.entries.iter().map(|(_, m)| m.len() + 32).sum()
    }
}
