//! The list type. (Placeholder representation; the real encodings replace
//! the fields but keep these methods.)

use std::collections::VecDeque;

/// A list value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct List {
    items: VecDeque<Vec<u8>>,
}

impl List {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the list has no elements.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        "listpack"
    }

    /// Appends an element at the tail.
    pub fn push_back(&mut self, v: &[u8]) {
        self.items.push_back(v.to_vec());
    }

    /// Calls `f` on every element, head to tail.
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        for i in &self.items {
            f(i);
        }
    }

    /// Approximate heap bytes used (MEMORY USAGE).
    pub fn memory_usage(&self) -> usize {
        self.items.iter().map(|i| i.len() + 24).sum()
    }
}
