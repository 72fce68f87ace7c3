//! The hash type. (Placeholder representation; the real encodings replace
//! the fields but keep these methods.)

/// A hash value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hash {
    fields: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Hash {
    /// An empty hash.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the hash has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        "listpack"
    }

    /// The value of `field`, if present (SORT's `->field` patterns).
    pub fn get(&self, field: &[u8]) -> Option<Vec<u8>> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.clone())
    }

    /// Approximate heap bytes used (MEMORY USAGE).
    pub fn memory_usage(&self) -> usize {
        self.fields.iter().map(|(f, v)| f.len() + v.len() + 48).sum()
    }
}
