//! The set type. (Placeholder representation; the real encodings replace
//! the fields but keep these methods.)

/// A set value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Set {
    members: Vec<Vec<u8>>,
}

impl Set {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the set has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        "hashtable"
    }

    /// Calls `f` on every member (in the encoding's iteration order).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        for m in &self.members {
            f(m);
        }
    }

    /// Approximate heap bytes used (MEMORY USAGE).
    pub fn memory_usage(&self) -> usize {
        self.members.iter().map(|m| m.len() + 24).sum()
    }
}
