//! ZUNION, ZINTER, ZDIFF, their STORE forms, and ZINTERCARD.
//!
//! Inputs may be sorted sets or sets (members score 1). The input values
//! are taken out of the keyspace for the computation (so several can be
//! read at once) and always put back before the destination is written.

use bytes::Bytes;
use hashbrown::HashMap;

use super::{reply_len, reply_pair, wrongtype};
use crate::commands::args::{self, is};
use crate::commands::spec::ExecCtx;
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::shard::keyspace::Db;
use crate::types::{Value, ZSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    fn apply(self, acc: &mut f64, v: f64) {
        match self {
            Aggregate::Sum => {
                *acc += v;
                if acc.is_nan() {
                    *acc = 0.0;
                }
            }
            // As C's `v < acc ? v : acc`: a tie (0 and -0) or a NaN keeps
            // what was there.
            Aggregate::Min => {
                if v < *acc {
                    *acc = v;
                }
            }
            Aggregate::Max => {
                if v > *acc {
                    *acc = v;
                }
            }
        }
    }
}

/// One input, borrowed from a value taken out of the keyspace.
enum Input<'a> {
    Missing,
    Z(&'a ZSet),
    S(HashMap<Vec<u8>, ()>),
}

impl Input<'_> {
    fn len(&self) -> usize {
        match self {
            Input::Missing => 0,
            Input::Z(z) => z.len(),
            Input::S(s) => s.len(),
        }
    }
    fn score(&self, m: &[u8]) -> Option<f64> {
        match self {
            Input::Missing => None,
            Input::Z(z) => z.score(m),
            Input::S(s) => s.contains_key(m).then_some(1.0),
        }
    }
    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Input::Missing => {}
            Input::Z(z) => z.for_each(f),
            Input::S(s) => s.keys().for_each(|m| f(m, 1.0)),
        }
    }
}

/// Values taken out of the keyspace, to be put back.
struct Taken {
    items: Vec<(Bytes, Value, Option<u64>)>,
}

impl Taken {
    fn put_back(self, db: &mut Db) {
        for (k, v, exp) in self.items {
            db.put_back(&k, v, exp);
        }
    }
}

/// Where the numkeys argument is and where output goes.
struct Call<'a> {
    op: Op,
    numkeys_at: usize,
    dst: Option<&'a Bytes>,
    name: &'static str,
    card: bool,
}

fn run(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, call: Call<'_>) {
    let n = match args::int(&a[call.numkeys_at]) {
        Ok(n) => n,
        Err(e) => return w.error(e),
    };
    if n < 1 {
        return w.error(&format!(
            "ERR at least 1 input key is needed for '{}' command",
            call.name
        ));
    }
    let first = call.numkeys_at + 1;
    if n as u64 > (a.len() - first) as u64 {
        return w.error(error::SYNTAX);
    }
    let n = n as usize;
    let keys = &a[first..first + n];
    let now = ctx.now;
    // Type checks first, as Redis does before options.
    {
        let db = ctx.db();
        for k in keys {
            match db.get(k, now) {
                None | Some(Value::ZSet(_)) | Some(Value::Set(_)) => {}
                Some(_) => return wrongtype(w),
            }
        }
    }
    let mut weights = vec![1.0f64; n];
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit: usize = 0;
    let mut j = first + n;
    while j < a.len() {
        let left = a.len() - j;
        if call.op != Op::Diff && !call.card && left > n && is(&a[j], "weights") {
            for (i, wt) in weights.iter_mut().enumerate() {
                match args::strict_f64(&a[j + 1 + i]) {
                    Some(v) => *wt = v,
                    None => return w.error("ERR weight value is not a float"),
                }
            }
            j += n + 1;
        } else if call.op != Op::Diff && !call.card && left >= 2 && is(&a[j], "aggregate") {
            let v = &a[j + 1];
            agg = if is(v, "sum") {
                Aggregate::Sum
            } else if is(v, "min") {
                Aggregate::Min
            } else if is(v, "max") {
                Aggregate::Max
            } else {
                return w.error(error::SYNTAX);
            };
            j += 2;
        } else if call.card && left >= 2 && is(&a[j], "limit") {
            match args::int(&a[j + 1]) {
                Ok(l) if l >= 0 => limit = usize::try_from(l).unwrap_or(usize::MAX),
                _ => return w.error("ERR LIMIT can't be negative"),
            }
            j += 2;
        } else if !call.card && call.dst.is_none() && is(&a[j], "withscores") {
            withscores = true;
            j += 1;
        } else {
            return w.error(error::SYNTAX);
        }
    }

    // Take the inputs out (each key once).
    let db = ctx.db();
    let mut taken = Taken { items: Vec::new() };
    for k in keys {
        if taken.items.iter().any(|(t, _, _)| t == k) {
            continue;
        }
        if let Some((v, exp)) = db.remove(k, now) {
            taken.items.push((k.clone(), v, exp));
        }
    }
    let result = {
        let inputs: Vec<Input<'_>> = keys
            .iter()
            .map(|k| match taken.items.iter().find(|(t, _, _)| t == k) {
                Some((_, Value::ZSet(z), _)) => Input::Z(z),
                Some((_, Value::Set(s), _)) => {
                    let mut m = HashMap::with_capacity(s.len());
                    s.for_each(|x| {
                        m.insert(x.to_vec(), ());
                    });
                    Input::S(m)
                }
                _ => Input::Missing,
            })
            .collect();
        if call.card {
            Err(intercard(&inputs, limit))
        } else {
            Ok(compute(call.op, &inputs, &weights, agg))
        }
    };
    taken.put_back(db);
    let z = match result {
        Err(card) => return w.int(card as i64),
        Ok(z) => z,
    };
    match call.dst {
        Some(dst) => {
            let len = z.len();
            if len > 0 {
                let mut z = z;
                z.shrink_if_small();
                db.set(dst, Value::ZSet(Box::new(z)), false);
                ctx.dirty += 1;
                ctx.notify(class::ZSET, call.name, dst);
            } else if db.remove(dst, now).is_some() {
                ctx.dirty += 1;
                ctx.notify(class::GENERIC, "del", dst);
            }
            w.int(len as i64);
        }
        None => {
            reply_len(w, z.len(), withscores);
            let nested = withscores && w.resp3();
            z.for_each(|m, s| {
                if withscores {
                    reply_pair(w, m, s, nested);
                } else {
                    w.bulk(m);
                }
            });
        }
    }
}

fn weighted(score: f64, weight: f64) -> f64 {
    let v = score * weight;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

fn compute(op: Op, inputs: &[Input<'_>], weights: &[f64], agg: Aggregate) -> ZSet {
    let mut acc: HashMap<Vec<u8>, f64> = HashMap::new();
    match op {
        Op::Union => {
            // Smallest input first (a stable sort, as Redis' qsort is
            // here), which decides the order sums are made in.
            let mut order: Vec<usize> = (0..inputs.len()).collect();
            order.sort_by_key(|&i| inputs[i].len());
            for (inp, &wt) in order
                .iter()
                .filter_map(|&i| Some((inputs.get(i)?, weights.get(i)?)))
            {
                inp.for_each(|m, s| {
                    let v = weighted(s, wt);
                    match acc.get_mut(m) {
                        Some(cur) => agg.apply(cur, v),
                        None => {
                            acc.insert(m.to_vec(), v);
                        }
                    }
                });
            }
        }
        Op::Inter => {
            if inputs.iter().any(|i| i.len() == 0) {
                return ZSet::new();
            }
            let mut order: Vec<usize> = (0..inputs.len()).collect();
            order.sort_by_key(|&i| inputs[i].len());
            let first = order[0];
            inputs[first].for_each(|m, s| {
                let mut score = weighted(s, weights[first]);
                for &o in &order[1..] {
                    // Only the first input's products are cleared of NaN
                    // (inf * 0), as in Redis.
                    match inputs[o].score(m) {
                        Some(x) => agg.apply(&mut score, x * weights[o]),
                        None => return,
                    }
                }
                acc.insert(m.to_vec(), score);
            });
        }
        Op::Diff => {
            inputs[0].for_each(|m, s| {
                if inputs[1..].iter().all(|i| i.score(m).is_none()) {
                    acc.insert(m.to_vec(), s);
                }
            });
        }
    }
    // The full form, as Redis builds it: a reply shows a -0 score as such
    // (a store converts afterwards, see `ZSet::shrink_if_small`).
    let mut z = ZSet::new_full(acc.len());
    for (m, s) in acc {
        z.insert_new(&m, s);
    }
    z
}

fn intercard(inputs: &[Input<'_>], limit: usize) -> usize {
    if inputs.iter().any(|i| i.len() == 0) {
        return 0;
    }
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| inputs[i].len());
    let mut n = 0;
    inputs[order[0]].for_each(|m, _| {
        if limit != 0 && n >= limit {
            return;
        }
        if order[1..].iter().all(|&o| inputs[o].score(m).is_some()) {
            n += 1;
        }
    });
    n
}

macro_rules! setop {
    ($(#[$doc:meta])* $name:ident, $op:expr, $at:expr, $dst:expr, $card:expr) => {
        $(#[$doc])*
        pub fn $name(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
            let dst = if $dst { a.get(1) } else { None };
            run(
                ctx,
                a,
                w,
                Call {
                    op: $op,
                    numkeys_at: $at,
                    dst,
                    name: stringify!($name),
                    card: $card,
                },
            )
        }
    };
}

setop!(
    /// `ZUNION numkeys key [key ...] [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`
    zunion, Op::Union, 1, false, false
);
setop!(
    /// `ZINTER numkeys key [key ...] [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`
    zinter, Op::Inter, 1, false, false
);
setop!(
    /// `ZDIFF numkeys key [key ...] [WITHSCORES]`
    zdiff, Op::Diff, 1, false, false
);
setop!(
    /// `ZUNIONSTORE dst numkeys key [key ...] [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX]`
    zunionstore, Op::Union, 2, true, false
);
setop!(
    /// `ZINTERSTORE dst numkeys key [key ...] [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX]`
    zinterstore, Op::Inter, 2, true, false
);
setop!(
    /// `ZDIFFSTORE dst numkeys key [key ...]`
    zdiffstore, Op::Diff, 2, true, false
);
setop!(
    /// `ZINTERCARD numkeys key [key ...] [LIMIT limit]`
    zintercard, Op::Inter, 1, false, true
);
