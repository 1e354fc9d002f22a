//! Time constraints between observation instants: a difference-bound matrix.
//!
//! Each bound observation instance has an unknown instant `t` in its
//! observed-data's `[first_observed, last_observed]`. Qualifiers and
//! `FOLLOWEDBY` constrain differences of instants:
//!
//! - `WITHIN d`: a window variable `w` with `w <= t < w + d` for every
//!   instance inside (strict per spec; `<=` for the reference matcher);
//! - `START s STOP e`: `s <= t < e`;
//! - `FOLLOWEDBY`: a separator `s_j` between operand `j` and `j + 1`, with
//!   `t <= s_j` for instances of operand `j` and `s_j <= t` for operand `j + 1`.
//!
//! All are constraints `x_i - x_j <= c` or `x_i - x_j < c`, so a
//! difference-bound matrix decides exactly (over real-valued instants) whether
//! some choice of instants satisfies them all. The matrix is kept closed
//! (all-pairs tightest bounds), so adding a constraint costs O(n^2) and a
//! variable whose constraints are all in can be dropped without losing
//! anything: the search drops each instance right after placing it and each
//! window or separator when its expression is bound, so `n` stays small.

/// A bound `(c, strict)` encoded as one integer: `2c + 1` for `<= c` and `2c`
/// for `< c`, so that bounds order as integers. [`INF`] is no bound.
type Bound = i128;

const INF: Bound = i128::MAX;

/// `x_i - x_j <= c`.
pub(crate) fn at_most(c: i128) -> Bound {
    2 * c + 1
}

/// `x_i - x_j < c`.
pub(crate) fn less_than(c: i128) -> Bound {
    2 * c
}

fn add(a: Bound, b: Bound) -> Bound {
    if a == INF || b == INF {
        INF
    } else {
        a + b - ((a | b) & 1)
    }
}

/// A closed difference-bound matrix over a reference point (position 0, the
/// epoch) and named variables.
#[derive(Debug, Clone)]
pub(crate) struct Dbm {
    /// Variable id at each position; position 0 is the reference point.
    ids: Vec<u32>,
    /// Row-major `n x n`: `m[i * n + j]` bounds `x_i - x_j`.
    m: Vec<Bound>,
}

impl Default for Dbm {
    fn default() -> Dbm {
        Dbm {
            ids: vec![u32::MAX],
            m: vec![at_most(0)],
        }
    }
}

impl Dbm {
    fn n(&self) -> usize {
        self.ids.len()
    }

    /// The position of variable `id`.
    pub(crate) fn position(&self, id: u32) -> Option<usize> {
        self.ids
            .iter()
            .skip(1)
            .position(|&v| v == id)
            .map(|p| p + 1)
    }

    /// Adds an unconstrained variable and returns its position.
    pub(crate) fn add_var(&mut self, id: u32) -> usize {
        let n = self.n();
        let mut m = Vec::with_capacity((n + 1) * (n + 1));
        for i in 0..n {
            m.extend_from_slice(&self.m[i * n..(i + 1) * n]);
            m.push(INF);
        }
        m.extend(std::iter::repeat_n(INF, n));
        m.push(at_most(0));
        self.m = m;
        self.ids.push(id);
        n
    }

    /// Drops variable `id`, keeping the constraints it implied between the
    /// others. Unknown ids are ignored.
    pub(crate) fn remove_var(&mut self, id: u32) {
        let Some(k) = self.position(id) else { return };
        let n = self.n();
        let mut m = Vec::with_capacity((n - 1) * (n - 1));
        for i in (0..n).filter(|&i| i != k) {
            for j in (0..n).filter(|&j| j != k) {
                m.push(self.m[i * n + j]);
            }
        }
        self.m = m;
        self.ids.remove(k);
    }

    /// Adds `x_i - x_j <= bound` (positions; 0 is the epoch). Returns false,
    /// leaving the matrix unusable, when the constraints become unsatisfiable.
    pub(crate) fn constrain(&mut self, i: usize, j: usize, bound: Bound) -> bool {
        let n = self.n();
        if add(bound, self.m[j * n + i]) < at_most(0) {
            return false;
        }
        if bound >= self.m[i * n + j] {
            return true;
        }
        for p in 0..n {
            let to_i = self.m[p * n + i];
            if to_i == INF {
                continue;
            }
            let through = add(to_i, bound);
            for q in 0..n {
                let candidate = add(through, self.m[j * n + q]);
                if candidate < self.m[p * n + q] {
                    self.m[p * n + q] = candidate;
                }
            }
        }
        true
    }

    /// The range of values the variable at `position` can take: `(low,
    /// high)`, each `None` when unbounded. Strictness is dropped, so the range
    /// may be slightly wider than the truth (never narrower).
    pub(crate) fn range(&self, position: usize) -> (Option<i128>, Option<i128>) {
        let n = self.n();
        let decode = |bound: Bound| (bound != INF).then_some(bound >> 1);
        let high = decode(self.m[position * n]);
        let low = decode(self.m[position]).map(|c| -c);
        (low, high)
    }

    /// Constrains the variable at `position` to `[low, high]`.
    pub(crate) fn bound_var(&mut self, position: usize, low: i128, high: i128) -> bool {
        self.constrain(position, 0, at_most(high)) && self.constrain(0, position, at_most(-low))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_order() {
        let mut dbm = Dbm::default();
        let a = dbm.add_var(1);
        let b = dbm.add_var(2);
        assert!(dbm.bound_var(a, 10, 20));
        assert!(dbm.bound_var(b, 0, 15));
        // a <= b is possible (a = b in [10, 15]).
        assert!(dbm.constrain(a, b, at_most(0)));
        // b - a >= 6 is not: b <= 15 and a >= 10.
        let mut strict = dbm.clone();
        assert!(!strict.constrain(a, b, at_most(-6)));
        // b - a >= 5 is, exactly at the edge.
        assert!(dbm.constrain(a, b, at_most(-5)));
        // ... but not strictly.
        assert!(!dbm.clone().constrain(a, b, less_than(-5)));
        // Now a = 10 and b = 15.
        assert_eq!(dbm.range(a), (Some(10), Some(10)));
        assert_eq!(dbm.range(b), (Some(15), Some(15)));
        let mut open = Dbm::default();
        let c = open.add_var(3);
        assert_eq!(open.range(c), (None, None));
        assert!(open.constrain(c, 0, less_than(7)));
        assert_eq!(open.range(c), (None, Some(7)));
    }

    /// Places an instance at `at` inside a 5-unit window `w` (id 7).
    fn place(dbm: &mut Dbm, id: u32, at: i128) -> bool {
        let t = dbm.add_var(id);
        let w = dbm.position(7).unwrap_or(0);
        let ok = dbm.bound_var(t, at, at)
            && dbm.constrain(w, t, at_most(0))
            && dbm.constrain(t, w, less_than(5));
        dbm.remove_var(id);
        ok
    }

    #[test]
    fn removing_a_variable_keeps_implied_bounds() {
        let mut dbm = Dbm::default();
        dbm.add_var(7);
        assert!(place(&mut dbm, 8, 100));
        assert_eq!(dbm.n(), 2, "the instance was dropped");
        // The window now starts in (95, 100]: 104 fits, 105 does not.
        assert!(place(&mut dbm.clone(), 9, 104));
        assert!(!place(&mut dbm.clone(), 9, 105));
        assert!(place(&mut dbm.clone(), 9, 96));
        assert!(!place(&mut dbm.clone(), 9, 95));
    }
}
