//! HyperLogLog in Redis' exact string layout, so that the bytes stored under
//! a key are interchangeable with a real Redis server.
//!
//! Layout: a 16-byte header (`"HYLL"`, one encoding byte, three unused
//! bytes, an 8-byte little-endian cached cardinality whose top bit marks the
//! cache stale) followed by the registers, in one of two encodings:
//!
//! - dense: 16384 registers of 6 bits packed from the least significant bit
//!   of each byte upwards (12288 bytes);
//! - sparse: a run-length code of opcodes `ZERO` (`00xxxxxx`, 1-64 zero
//!   registers), `XZERO` (`01xxxxxx yyyyyyyy`, 1-16384 zero registers) and
//!   `VAL` (`1vvvvvxx`, 1-4 registers holding a value of 1-32).
//!
//! A sparse HLL becomes dense when an update would grow it past
//! `hll-sparse-max-bytes` or needs a register value above 32. The
//! cardinality estimator is the one Redis 7.0 uses (Ertl's improved
//! estimator working on the register histogram), so counts are identical.
//!
//! Everything here works on untrusted bytes (a client may `SET` any string
//! that starts with the magic): every read is bounds-checked, and a
//! malformed sparse body is reported as [`Corrupt`] rather than trusted.
//! Where Redis reads the string's terminating NUL (an `XZERO` opcode cut in
//! half at the very end), a zero byte is read here too, so results match.

/// Size of the header in front of the registers.
pub const HDR_SIZE: usize = 16;
/// Bits of the hash used to pick a register.
pub const P: u32 = 14;
/// Bits of the hash left to count trailing zeros in.
pub const Q: u32 = 64 - P;
/// Number of registers.
pub const REGISTERS: usize = 1 << P;
/// Bits per dense register.
pub const BITS: usize = 6;
/// Largest value a register holds.
pub const REGISTER_MAX: u8 = (1 << BITS) - 1;
/// Total size of a dense HLL string (header included).
pub const DENSE_SIZE: usize = HDR_SIZE + (REGISTERS * BITS).div_ceil(8);
/// Encoding byte of the dense form.
pub const DENSE: u8 = 0;
/// Encoding byte of the sparse form.
pub const SPARSE: u8 = 1;
/// Seed of the element hash.
pub const HASH_SEED: u64 = 0xadc8_3b19;

/// Largest value a sparse `VAL` opcode holds.
const SPARSE_VAL_MAX_VALUE: u8 = 32;
/// Longest run of a `VAL` opcode.
const SPARSE_VAL_MAX_LEN: usize = 4;
/// Longest run of a `ZERO` opcode.
const SPARSE_ZERO_MAX_LEN: usize = 64;
/// Longest run of an `XZERO` opcode.
const SPARSE_XZERO_MAX_LEN: usize = 16384;
/// 0.5 / ln(2): the estimator's constant for m going to infinity.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

/// The HLL string is structurally broken (a sparse body that does not cover
/// exactly the 16384 registers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// MurmurHash64A as Redis uses it (little-endian 8-byte blocks).
pub fn murmur_hash64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut block = [0u8; 8];
        block.copy_from_slice(c);
        let mut k = u64::from_le_bytes(block);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= (b as u64) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element maps to and the value it proposes for it (the
/// position of the lowest set bit of the remaining hash, 1-based, at most
/// `Q + 1`).
pub fn register_and_count(element: &[u8]) -> (usize, u8) {
    let hash = murmur_hash64a(element, HASH_SEED);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> P) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// A new, empty HLL in the sparse encoding (what PFADD creates).
pub fn new_sparse() -> Vec<u8> {
    let mut v = Vec::with_capacity(HDR_SIZE + 8);
    v.extend_from_slice(b"HYLL");
    v.push(SPARSE);
    v.extend_from_slice(&[0u8; 11]);
    let mut left = REGISTERS;
    while left > 0 {
        let run = left.min(SPARSE_XZERO_MAX_LEN);
        push_xzero(&mut v, run);
        left -= run;
    }
    v
}

/// Whether `s` passes Redis' HLL string check: long enough for the header,
/// the magic, a known encoding, and the exact size when dense.
pub fn is_valid(s: &[u8]) -> bool {
    s.len() >= HDR_SIZE
        && &s[..4] == b"HYLL"
        && s[4] <= SPARSE
        && (s[4] != DENSE || s.len() == DENSE_SIZE)
}

/// The encoding byte of a valid HLL string.
pub fn encoding(s: &[u8]) -> u8 {
    s.get(4).copied().unwrap_or(DENSE)
}

/// The cached cardinality, if the cache is valid.
pub fn cached_cardinality(s: &[u8]) -> Option<u64> {
    let card: [u8; 8] = s.get(8..16)?.try_into().ok()?;
    if card[7] & 0x80 != 0 {
        return None;
    }
    Some(u64::from_le_bytes(card))
}

/// Stores `card` as the cached cardinality (marking the cache valid).
pub fn set_cached_cardinality(s: &mut [u8], card: u64) {
    if let Some(dst) = s.get_mut(8..16) {
        dst.copy_from_slice(&card.to_le_bytes());
    }
}

/// Marks the cached cardinality stale.
pub fn invalidate_cache(s: &mut [u8]) {
    if let Some(b) = s.get_mut(15) {
        *b |= 0x80;
    }
}

/// Register `i` of a dense register array (bytes past the end read as 0).
#[inline]
pub fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte = i * BITS / 8;
    let fb = (i * BITS) & 7;
    let b0 = regs.get(byte).copied().unwrap_or(0) as u16;
    let b1 = regs.get(byte + 1).copied().unwrap_or(0) as u16;
    (((b0 >> fb) | (b1 << (8 - fb))) & REGISTER_MAX as u16) as u8
}

/// Sets register `i` of a dense register array to `val` (at most 63).
#[inline]
pub fn dense_put(regs: &mut [u8], i: usize, val: u8) {
    let byte = i * BITS / 8;
    let fb = (i * BITS) & 7;
    let v = (val & REGISTER_MAX) as u16;
    let mask = REGISTER_MAX as u16;
    if let Some(b) = regs.get_mut(byte) {
        *b = ((*b as u16 & !(mask << fb)) | (v << fb)) as u8;
    }
    if let Some(b) = regs.get_mut(byte + 1) {
        *b = ((*b as u16 & !(mask >> (8 - fb))) | (v >> (8 - fb))) as u8;
    }
}

/// Raises register `i` of a dense array to `count` if it is lower; whether
/// it changed.
#[inline]
pub fn dense_set(regs: &mut [u8], i: usize, count: u8) -> bool {
    if count > dense_get(regs, i) {
        dense_put(regs, i, count);
        true
    } else {
        false
    }
}

/// One decoded sparse opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A run of zero registers (`ZERO` or `XZERO`, as `xzero` tells).
    Zero {
        /// Registers covered.
        len: usize,
        /// Whether the two-byte `XZERO` form encodes it.
        xzero: bool,
    },
    /// A run of registers holding `value`.
    Val {
        /// Register value, 1-32.
        value: u8,
        /// Registers covered, 1-4.
        len: usize,
    },
}

impl Op {
    /// Registers covered.
    pub fn len(&self) -> usize {
        match *self {
            Op::Zero { len, .. } | Op::Val { len, .. } => len,
        }
    }

    /// Whether the opcode covers no register (never, for a decoded one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the opcode takes.
    pub fn size(&self) -> usize {
        match *self {
            Op::Zero { xzero: true, .. } => 2,
            _ => 1,
        }
    }
}

/// Decodes the opcode at `body[p]` (`p` must be in range); a cut `XZERO`
/// reads a zero second byte, as Redis reads the string terminator.
#[inline]
fn op_at(body: &[u8], p: usize) -> Op {
    let b = body[p];
    if b & 0x80 != 0 {
        Op::Val {
            value: ((b >> 2) & 0x1f) + 1,
            len: (b & 0x3) as usize + 1,
        }
    } else if b & 0x40 != 0 {
        let lo = body.get(p + 1).copied().unwrap_or(0) as usize;
        Op::Zero {
            len: ((((b & 0x3f) as usize) << 8) | lo) + 1,
            xzero: true,
        }
    } else {
        Op::Zero {
            len: (b & 0x3f) as usize + 1,
            xzero: false,
        }
    }
}

/// Iterates over the opcodes of a sparse body.
pub fn sparse_ops(body: &[u8]) -> impl Iterator<Item = Op> + '_ {
    let mut p = 0;
    std::iter::from_fn(move || {
        if p >= body.len() {
            return None;
        }
        let op = op_at(body, p);
        p += op.size();
        Some(op)
    })
}

fn val_byte(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (len as u8 - 1)
}

fn push_xzero(v: &mut Vec<u8>, len: usize) {
    let l = len - 1;
    v.push(0x40 | (l >> 8) as u8);
    v.push((l & 0xff) as u8);
}

fn push_zero_run(v: &mut Vec<u8>, len: usize) {
    if len > SPARSE_ZERO_MAX_LEN {
        push_xzero(v, len);
    } else {
        v.push((len - 1) as u8);
    }
}

/// Converts a sparse HLL string to the dense encoding in place (no-op when
/// already dense). The header, cached cardinality included, is kept.
pub fn sparse_to_dense(s: &mut Vec<u8>) -> Result<(), Corrupt> {
    if encoding(s) == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HDR_SIZE].copy_from_slice(s.get(..HDR_SIZE).ok_or(Corrupt)?);
    dense[4] = DENSE;
    let regs = &mut dense[HDR_SIZE..];
    let mut idx = 0usize;
    for op in sparse_ops(&s[HDR_SIZE..]) {
        match op {
            Op::Zero { len, .. } => idx += len,
            Op::Val { value, len } => {
                if idx + len > REGISTERS {
                    break;
                }
                for r in idx..idx + len {
                    dense_put(regs, r, value);
                }
                idx += len;
            }
        }
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    *s = dense;
    Ok(())
}

/// Raises register `index` of a sparse HLL string to `count` when lower,
/// rewriting the run-length code in place as Redis does (split the opcode
/// holding the register, then merge equal neighbouring `VAL` runs), or
/// converting to dense past `sparse_max_bytes` or for a value above 32.
/// Whether the register changed.
pub fn sparse_set(
    s: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max_bytes: usize,
) -> Result<bool, Corrupt> {
    if count == 0 {
        return Ok(false);
    }
    if count > SPARSE_VAL_MAX_VALUE {
        return promote(s, index, count);
    }
    let end = s.len();
    // Step 1: find the opcode covering `index`.
    let mut p = HDR_SIZE;
    let mut first = 0usize;
    let mut prev: Option<usize> = None;
    let mut found = None;
    while p < end {
        let op = op_at(s, p);
        if index < first + op.len() {
            found = Some(op);
            break;
        }
        prev = Some(p);
        p += op.size();
        first += op.len();
    }
    let Some(op) = found else {
        return Err(Corrupt);
    };
    let last = first + op.len() - 1;

    // Step 2: the trivial in-place updates.
    let mut replaced = false;
    match op {
        Op::Val { value, len } => {
            if value >= count {
                return Ok(false);
            }
            if len == 1 {
                s[p] = val_byte(count, 1);
                replaced = true;
            }
        }
        Op::Zero {
            len: 1,
            xzero: false,
        } => {
            s[p] = val_byte(count, 1);
            replaced = true;
        }
        Op::Zero { .. } => {}
    }

    if !replaced {
        // Step 3: split the opcode into up to three.
        let mut seq: Vec<u8> = Vec::with_capacity(5);
        match op {
            Op::Zero { .. } => {
                if index != first {
                    push_zero_run(&mut seq, index - first);
                }
                seq.push(val_byte(count, 1));
                if index != last {
                    push_zero_run(&mut seq, last - index);
                }
            }
            Op::Val { value, .. } => {
                if index != first {
                    seq.push(val_byte(value, index - first));
                }
                seq.push(val_byte(count, 1));
                if index != last {
                    seq.push(val_byte(value, last - index));
                }
            }
        }
        let old = op.size();
        if seq.len() > old && end + (seq.len() - old) > sparse_max_bytes {
            return promote(s, index, count);
        }
        let old_end = (p + old).min(end);
        s.splice(p..old_end, seq);
    }

    // Step 4: merge adjacent VAL runs of the same value, looking at up to
    // five opcodes from the one before the change.
    let mut p = prev.unwrap_or(HDR_SIZE);
    let mut scan = 5;
    while p < s.len() && scan > 0 {
        scan -= 1;
        let b = s[p];
        if b & 0xc0 == 0x40 {
            p += 2;
            continue;
        }
        if b & 0xc0 == 0 {
            p += 1;
            continue;
        }
        if let Some(&nb) = s.get(p + 1) {
            if let (Op::Val { value: v1, len: l1 }, Op::Val { value: v2, len: l2 }) =
                (op_at(s, p), op_at(s, p + 1))
            {
                if nb & 0x80 != 0 && v1 == v2 && l1 + l2 <= SPARSE_VAL_MAX_LEN {
                    s[p + 1] = val_byte(v1, l1 + l2);
                    s.remove(p);
                    continue;
                }
            }
        }
        p += 1;
    }
    invalidate_cache(s);
    Ok(true)
}

/// Converts to dense then raises the register (always a change: a
/// conversion only happens when the register must grow).
fn promote(s: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    sparse_to_dense(s)?;
    let regs = &mut s[HDR_SIZE..];
    Ok(dense_set(regs, index, count))
}

/// Raises register `index` to `count` in either encoding.
pub fn set_register(
    s: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max_bytes: usize,
) -> Result<bool, Corrupt> {
    match encoding(s) {
        DENSE => Ok(dense_set(&mut s[HDR_SIZE..], index, count)),
        SPARSE => sparse_set(s, index, count, sparse_max_bytes),
        _ => Err(Corrupt),
    }
}

/// Adds an element (PFADD's per-element step); whether a register changed.
pub fn add(s: &mut Vec<u8>, element: &[u8], sparse_max_bytes: usize) -> Result<bool, Corrupt> {
    let (index, count) = register_and_count(element);
    set_register(s, index, count, sparse_max_bytes)
}

/// Raises each of `max[i]` to register `i` of the HLL string `s`.
pub fn merge_into(max: &mut [u8; REGISTERS], s: &[u8]) -> Result<(), Corrupt> {
    if encoding(s) == DENSE {
        let regs = s.get(HDR_SIZE..).ok_or(Corrupt)?;
        for (i, m) in max.iter_mut().enumerate() {
            let v = dense_get(regs, i);
            if v > *m {
                *m = v;
            }
        }
        return Ok(());
    }
    let mut idx = 0usize;
    for op in sparse_ops(s.get(HDR_SIZE..).ok_or(Corrupt)?) {
        match op {
            Op::Zero { len, .. } => idx += len,
            Op::Val { value, len } => {
                if idx + len > REGISTERS {
                    break;
                }
                for m in &mut max[idx..idx + len] {
                    if value > *m {
                        *m = value;
                    }
                }
                idx += len;
            }
        }
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    Ok(())
}

/// Histogram of register values: `h[v]` = number of registers holding `v`.
pub type Histogram = [u32; 64];

/// The register histogram of an HLL string (sparse: [`Corrupt`] unless the
/// opcodes cover exactly all registers).
pub fn histogram(s: &[u8]) -> Result<Histogram, Corrupt> {
    let mut h = [0u32; 64];
    let body = s.get(HDR_SIZE..).ok_or(Corrupt)?;
    if encoding(s) == DENSE {
        for i in 0..REGISTERS {
            h[dense_get(body, i) as usize] += 1;
        }
        return Ok(h);
    }
    let mut idx = 0usize;
    for op in sparse_ops(body) {
        match op {
            Op::Zero { len, .. } => {
                idx += len;
                h[0] = h[0].saturating_add(len as u32);
            }
            Op::Val { value, len } => {
                idx += len;
                h[value as usize] += len as u32;
            }
        }
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    Ok(h)
}

/// The register histogram of one byte per register (a merged union).
pub fn raw_histogram(regs: &[u8; REGISTERS]) -> Histogram {
    let mut h = [0u32; 64];
    for &r in regs.iter() {
        h[(r & 63) as usize] += 1;
    }
    h
}

/// Ertl's sigma function.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let z_prev = z;
        z += x * y;
        y += y;
        if z_prev == z {
            return z;
        }
    }
}

/// Ertl's tau function.
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let z_prev = z;
        y *= 0.5;
        let d = 1.0 - x;
        z -= d * d * y;
        if z_prev == z {
            return z / 3.0;
        }
    }
}

/// The cardinality estimate from a register histogram.
pub fn estimate(h: &Histogram) -> u64 {
    let m = REGISTERS as f64;
    let q = Q as usize;
    let mut z = m * tau((m - h[q + 1] as f64) / m);
    for j in (1..=q).rev() {
        z += h[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(h[0] as f64 / m);
    let e = (ALPHA_INF * m * m / z).round();
    // Saturating conversion, as the value is finite and non-negative in
    // practice (z > 0).
    e as u64
}

/// The cardinality of an HLL string, computed from its registers.
pub fn count(s: &[u8]) -> Result<u64, Corrupt> {
    Ok(estimate(&histogram(s)?))
}

/// PFDEBUG DECODE's text for a sparse body: `z:N`, `Z:N`, `v:V,N`.
pub fn decode(s: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for op in sparse_ops(s.get(HDR_SIZE..).unwrap_or(&[])) {
        if !out.is_empty() {
            out.push(' ');
        }
        let _ = match op {
            Op::Zero { len, xzero: false } => write!(out, "z:{len}"),
            Op::Zero { len, xzero: true } => write!(out, "Z:{len}"),
            Op::Val { value, len } => write!(out, "v:{value},{len}"),
        };
    }
    out
}

/// PFSELFTEST's checks: dense register packing round-trips, and sparse and
/// dense forms fed the same elements agree on registers and counts. An
/// error text on failure.
pub fn self_test(mut rand: impl FnMut() -> u64) -> Result<(), String> {
    let mut regs = vec![0u8; DENSE_SIZE - HDR_SIZE];
    let mut bytes = vec![0u8; REGISTERS];
    for _ in 0..20 {
        for (i, b) in bytes.iter_mut().enumerate() {
            let r = (rand() & REGISTER_MAX as u64) as u8;
            *b = r;
            dense_put(&mut regs, i, r);
        }
        for (i, &b) in bytes.iter().enumerate() {
            let v = dense_get(&regs, i);
            if v != b {
                return Err(format!("TESTFAILED Register {i} should be {b} but is {v}"));
            }
        }
    }
    let mut sparse = new_sparse();
    let mut dense = new_sparse();
    sparse_to_dense(&mut dense).map_err(|_| "TESTFAILED dense conversion".to_string())?;
    for n in 0..5000u64 {
        let ele = (rand() ^ n).to_le_bytes();
        let a = add(&mut sparse, &ele, 3000).map_err(|_| "TESTFAILED sparse add".to_string())?;
        let b = add(&mut dense, &ele, 3000).map_err(|_| "TESTFAILED dense add".to_string())?;
        if a != b {
            return Err(format!("TESTFAILED sparse and dense disagree at {n}"));
        }
        if n % 500 == 0 {
            let (ca, cb) = (count(&sparse), count(&dense));
            if ca != cb {
                return Err(format!("TESTFAILED counts differ at {n}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Register values of an HLL string, one byte each.
    fn registers(s: &[u8]) -> [u8; REGISTERS] {
        let mut r = [0u8; REGISTERS];
        merge_into(&mut r, s).expect("valid HLL");
        r
    }

    fn dense_empty() -> Vec<u8> {
        let mut d = new_sparse();
        sparse_to_dense(&mut d).unwrap();
        d
    }

    #[test]
    fn hash_matches_redis() {
        // Register/count pairs as PFDEBUG shows them in Redis for "a".
        let (idx, count) = register_and_count(b"a");
        let mut s = new_sparse();
        assert!(add(&mut s, b"a", 3000).unwrap());
        let r = registers(&s);
        assert_eq!(r[idx], count);
        assert_eq!(
            decode(&s),
            format!("Z:{} v:{},1 Z:{}", idx, count, REGISTERS - idx - 1)
        );
        assert_eq!(murmur_hash64a(b"", 0), 0);
    }

    #[test]
    fn empty_hll_counts_zero() {
        assert_eq!(count(&new_sparse()), Ok(0));
        assert_eq!(count(&dense_empty()), Ok(0));
        assert_eq!(new_sparse().len(), HDR_SIZE + 2);
        assert!(is_valid(&new_sparse()));
        assert!(is_valid(&dense_empty()));
    }

    #[test]
    fn big_register_values_promote() {
        let mut s = new_sparse();
        assert_eq!(sparse_set(&mut s, 100, 40, 3000), Ok(true));
        assert_eq!(encoding(&s), DENSE);
        assert_eq!(registers(&s)[100], 40);
    }

    #[test]
    fn dense_packing_round_trips() {
        assert!(self_test({
            let mut x = 88172645463325252u64;
            move || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            }
        })
        .is_ok());
    }

    proptest! {
        /// The sparse form (under any size limit) and the dense form fed
        /// the same elements hold the same registers as a plain array
        /// model, report the same changes, and give the same counts.
        #[test]
        fn sparse_and_dense_agree(
            elements in proptest::collection::vec(any::<u32>(), 0..2500),
            max_bytes in 20usize..4000,
        ) {
            let mut sparse = new_sparse();
            let mut dense = dense_empty();
            let mut model = [0u8; REGISTERS];
            for e in &elements {
                let ele = e.to_le_bytes();
                let (i, c) = register_and_count(&ele);
                let expect = c > model[i];
                if expect {
                    model[i] = c;
                }
                prop_assert_eq!(add(&mut sparse, &ele, max_bytes), Ok(expect));
                prop_assert_eq!(add(&mut dense, &ele, max_bytes), Ok(expect));
                if encoding(&sparse) == SPARSE {
                    prop_assert!(sparse.len() <= max_bytes.max(HDR_SIZE + 2));
                }
            }
            prop_assert_eq!(&registers(&sparse)[..], &model[..]);
            prop_assert_eq!(&registers(&dense)[..], &model[..]);
            let expected = estimate(&raw_histogram(&model));
            prop_assert_eq!(count(&sparse), Ok(expected));
            prop_assert_eq!(count(&dense), Ok(expected));
            let mut converted = sparse.clone();
            prop_assert!(sparse_to_dense(&mut converted).is_ok());
            prop_assert_eq!(&converted[HDR_SIZE..], &dense[HDR_SIZE..]);
        }

        /// Direct register updates (PFMERGE's path) in random order with
        /// values up to 63 agree with the model too.
        #[test]
        fn register_updates_agree(
            ops in proptest::collection::vec((0usize..REGISTERS, 1u8..=63), 0..600),
        ) {
            let mut sparse = new_sparse();
            let mut model = [0u8; REGISTERS];
            for &(i, v) in &ops {
                let expect = v > model[i];
                model[i] = model[i].max(v);
                prop_assert_eq!(set_register(&mut sparse, i, v, 3000), Ok(expect));
            }
            prop_assert_eq!(&registers(&sparse)[..], &model[..]);
            if encoding(&sparse) == SPARSE {
                // The opcodes still cover exactly all registers.
                let ops: Vec<Op> = sparse_ops(&sparse[HDR_SIZE..]).collect();
                prop_assert_eq!(ops.iter().map(|o| o.len()).sum::<usize>(), REGISTERS);
            }
        }

        /// Arbitrary bytes behind a valid header never panic or over-read.
        #[test]
        fn corrupt_sparse_never_panics(
            body in proptest::collection::vec(any::<u8>(), 0..64),
            index in 0usize..REGISTERS,
            value in 1u8..=63,
            max_bytes in 0usize..200,
        ) {
            let mut s = new_sparse();
            s.truncate(HDR_SIZE);
            s.extend_from_slice(&body);
            let _ = count(&s);
            let _ = histogram(&s);
            let _ = decode(&s);
            let mut m = [0u8; REGISTERS];
            let _ = merge_into(&mut m, &s);
            let mut t = s.clone();
            let _ = sparse_to_dense(&mut t);
            let mut t = s.clone();
            let _ = set_register(&mut t, index, value, max_bytes);
            let _ = add(&mut t, &body, max_bytes);
            let _ = count(&t);
        }

        /// A valid sparse HLL with random bytes flipped never panics.
        #[test]
        fn mutated_sparse_never_panics(
            elements in proptest::collection::vec(any::<u16>(), 0..300),
            flips in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..6),
            cut in any::<u16>(),
        ) {
            let mut s = new_sparse();
            for e in &elements {
                let _ = add(&mut s, &e.to_le_bytes(), 3000);
            }
            for &(at, b) in &flips {
                let n = s.len() - HDR_SIZE;
                if n > 0 {
                    s[HDR_SIZE + at as usize % n] = b;
                }
            }
            let keep = HDR_SIZE + cut as usize % (s.len() - HDR_SIZE + 1);
            s.truncate(keep);
            let _ = count(&s);
            for e in &elements {
                if add(&mut s, &e.to_be_bytes(), 3000).is_err() {
                    break;
                }
            }
            let _ = decode(&s);
            let mut m = [0u8; REGISTERS];
            let _ = merge_into(&mut m, &s);
        }
    }
}
