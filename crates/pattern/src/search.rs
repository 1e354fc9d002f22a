//! The binding search: which observation instances satisfy which brackets.
//!
//! A match is a *binding*: an observation instance for every bracket the
//! pattern needs (one side of each `OR`, `n` copies under `REPEATS n`), where
//! the operands of `AND`, `FOLLOWEDBY` and `REPEATS` use different instances,
//! and some choice of instants satisfies every time constraint (see
//! [`crate::temporal`]). An observed-data with `number_observed = N` offers N
//! instances sharing its interval.
//!
//! The search is a depth-first backtracking machine with an explicit goal
//! list and choice-point stack, so its depth is not limited by the thread's
//! stack. Goals are shared persistent lists: a choice point keeps its
//! continuation by reference. Each choice point also keeps a copy of the small
//! time-constraint matrix and a trail length for undoing instance use.
//!
//! Two things keep the search small: constraints are checked as each instance
//! is placed (a window that cannot fit fails at once), and the copies of a
//! `REPEATS` are interchangeable, so the first instance bound in each copy
//! must come from an observation no earlier (in time order) than the first
//! instance of the previous copy. What is left is bounded by a step budget:
//! exceeding it is [`EvalError::BudgetExceeded`], never a hang.

use std::rc::Rc;

use crate::compile::{CompiledPattern, PlanNode, Qual, Window};
use crate::error::EvalError;
use crate::observation::ObservationSet;
use crate::temporal::{Dbm, at_most, less_than};

/// Runs the search; `leaf_matches[i]` lists (ascending) the observations
/// whose objects satisfy bracket `i`.
pub(crate) fn run(
    pattern: &CompiledPattern,
    set: &ObservationSet,
    leaf_matches: &[Vec<u32>],
    budget: u64,
) -> Result<bool, EvalError> {
    let mut engine = Engine {
        pattern,
        set,
        leaf_matches,
        used: vec![0; set.observations.len()],
        dbm: Dbm::default(),
        slots: Vec::new(),
        trail: Vec::new(),
        choices: Vec::new(),
        next_id: 0,
        steps: 0,
        budget,
    };
    engine.solve(Goal::Node {
        node: pattern.root,
        ctx: None,
    })
}

/// What applies to every instance bound inside an expression: a persistent
/// list shared by all goals below it.
type Ctx = Option<Rc<CtxNode>>;

struct CtxNode {
    item: CtxItem,
    next: Ctx,
}

#[derive(Clone, Copy)]
enum CtxItem {
    /// Inside `WITHIN`: `w <= t < w + length`, with window variable `var`.
    Within { var: u32, window: Window },
    /// Inside `START`/`STOP`: `start <= t < stop`.
    Bounds { start: i128, stop: i128, group: u32 },
    /// In a `FOLLOWEDBY` operand after the first: `separator <= t`.
    After { var: u32, group: u32 },
    /// In a `FOLLOWEDBY` operand before the last: `t <= separator`.
    Before { var: u32, group: u32 },
    /// Inside copy `slot` of a `REPEATS`; the copy's first instance comes from
    /// an observation at or after the one in slot `previous`.
    Key {
        slot: usize,
        previous: Option<usize>,
    },
}

impl CtxItem {
    /// The constraint this item belongs to, for checking constraints one at a
    /// time (the reference matcher's semantics); `None` for non-temporal items.
    fn group(&self) -> Option<u32> {
        match *self {
            CtxItem::Within { var, .. } => Some(var),
            CtxItem::Bounds { group, .. }
            | CtxItem::After { group, .. }
            | CtxItem::Before { group, .. } => Some(group),
            CtxItem::Key { .. } => None,
        }
    }
}

fn ctx_items(ctx: &Ctx) -> impl Iterator<Item = CtxItem> + '_ {
    std::iter::successors(ctx.as_deref(), |node| node.next.as_deref()).map(|node| node.item)
}

fn with(ctx: &Ctx, item: CtxItem) -> Ctx {
    Some(Rc::new(CtxNode {
        item,
        next: ctx.clone(),
    }))
}

/// The rest of the work: a persistent list of goals.
type Cont = Option<Rc<ContNode>>;

struct ContNode {
    goal: Goal,
    next: Cont,
}

fn then(goal: Goal, next: Cont) -> Cont {
    Some(Rc::new(ContNode { goal, next }))
}

#[derive(Clone)]
enum Goal {
    /// Bind the plan node.
    Node { node: usize, ctx: Ctx },
    /// Bind a qualified node with only its first `level` qualifiers applied
    /// (the outer ones are already in `ctx`).
    Qual { node: usize, level: usize, ctx: Ctx },
    /// Bind `remaining` more copies of a qualified node at `level`.
    Repeat {
        node: usize,
        level: usize,
        ctx: Ctx,
        remaining: u64,
        previous: Option<usize>,
    },
    /// Drop a window or separator variable whose expression is bound.
    Release(u32),
}

enum Undo {
    /// An instance of this observation was taken.
    Used(u32),
    /// A `REPEATS` slot was filled.
    Slot(usize),
}

enum Alternative {
    /// The remaining operands of an `OR`, from `next_child`.
    Or {
        node: usize,
        next_child: usize,
        ctx: Ctx,
    },
    /// The remaining candidate observations of a bracket, from `next_pos`.
    Leaf {
        leaf: usize,
        next_pos: usize,
        ctx: Ctx,
    },
}

struct Choice {
    alternative: Alternative,
    cont: Cont,
    trail_len: usize,
    slots_len: usize,
    dbm: Dbm,
}

struct Engine<'a> {
    pattern: &'a CompiledPattern,
    set: &'a ObservationSet,
    leaf_matches: &'a [Vec<u32>],
    /// Instances used per observation.
    used: Vec<u64>,
    dbm: Dbm,
    /// Per `REPEATS` copy: the observation of its first bound instance.
    slots: Vec<Option<u32>>,
    trail: Vec<Undo>,
    choices: Vec<Choice>,
    next_id: u32,
    steps: u64,
    budget: u64,
}

impl Engine<'_> {
    fn tick(&mut self) -> Result<(), EvalError> {
        self.steps += 1;
        if self.steps > self.budget {
            return Err(EvalError::BudgetExceeded { steps: self.budget });
        }
        Ok(())
    }

    fn fresh_id(&mut self) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    fn solve(&mut self, goal: Goal) -> Result<bool, EvalError> {
        let mut cont = then(goal, None);
        loop {
            let Some(node) = cont else { return Ok(true) };
            self.tick()?;
            cont = match self.step(&node.goal, &node.next)? {
                Some(next) => next,
                None => match self.backtrack()? {
                    Some(next) => next,
                    None => return Ok(false),
                },
            };
        }
    }

    /// Processes one goal. `Some(cont)` continues; `None` fails.
    fn step(&mut self, goal: &Goal, next: &Cont) -> Result<Option<Cont>, EvalError> {
        let pattern = self.pattern;
        Ok(match goal {
            Goal::Node { node, ctx } => match &pattern.plan[*node] {
                PlanNode::Leaf(leaf) => self.try_leaf(*leaf, ctx, 0, next)?,
                PlanNode::And(children) => {
                    let mut cont = next.clone();
                    for &child in children.iter().rev() {
                        cont = then(
                            Goal::Node {
                                node: child,
                                ctx: ctx.clone(),
                            },
                            cont,
                        );
                    }
                    Some(cont)
                }
                PlanNode::Or(children) => {
                    if children.len() > 1 {
                        self.push_choice(
                            Alternative::Or {
                                node: *node,
                                next_child: 1,
                                ctx: ctx.clone(),
                            },
                            next,
                        );
                    }
                    children.first().map(|&first| {
                        then(
                            Goal::Node {
                                node: first,
                                ctx: ctx.clone(),
                            },
                            next.clone(),
                        )
                    })
                }
                PlanNode::FollowedBy(children) => Some(self.followed_by(children, ctx, next)),
                PlanNode::Qualified(_, quals) => Some(then(
                    Goal::Qual {
                        node: *node,
                        level: quals.len(),
                        ctx: ctx.clone(),
                    },
                    next.clone(),
                )),
            },
            Goal::Qual { node, level, ctx } => {
                let PlanNode::Qualified(inner, quals) = &pattern.plan[*node] else {
                    return Ok(None);
                };
                if *level == 0 {
                    return Ok(Some(then(
                        Goal::Node {
                            node: *inner,
                            ctx: ctx.clone(),
                        },
                        next.clone(),
                    )));
                }
                let level = level - 1;
                match quals[level] {
                    Qual::Within(window) => {
                        let var = self.fresh_id();
                        self.dbm.add_var(var);
                        let inner_ctx = with(ctx, CtxItem::Within { var, window });
                        Some(then(
                            Goal::Qual {
                                node: *node,
                                level,
                                ctx: inner_ctx,
                            },
                            then(Goal::Release(var), next.clone()),
                        ))
                    }
                    Qual::StartStop(start, stop) => {
                        if start >= stop {
                            None
                        } else {
                            let group = self.fresh_id();
                            let inner_ctx = with(ctx, CtxItem::Bounds { start, stop, group });
                            Some(then(
                                Goal::Qual {
                                    node: *node,
                                    level,
                                    ctx: inner_ctx,
                                },
                                next.clone(),
                            ))
                        }
                    }
                    Qual::Repeats(count) => Some(then(
                        Goal::Repeat {
                            node: *node,
                            level,
                            ctx: ctx.clone(),
                            remaining: count,
                            previous: None,
                        },
                        next.clone(),
                    )),
                }
            }
            Goal::Repeat {
                node,
                level,
                ctx,
                remaining,
                previous,
            } => {
                if *remaining == 0 {
                    return Ok(Some(next.clone()));
                }
                let slot = self.slots.len();
                self.slots.push(None);
                let copy_ctx = with(
                    ctx,
                    CtxItem::Key {
                        slot,
                        previous: *previous,
                    },
                );
                let rest = Goal::Repeat {
                    node: *node,
                    level: *level,
                    ctx: ctx.clone(),
                    remaining: remaining - 1,
                    previous: Some(slot),
                };
                Some(then(
                    Goal::Qual {
                        node: *node,
                        level: *level,
                        ctx: copy_ctx,
                    },
                    then(rest, next.clone()),
                ))
            }
            Goal::Release(var) => {
                self.dbm.remove_var(*var);
                Some(next.clone())
            }
        })
    }

    /// Goals for the operands of a `FOLLOWEDBY`, with separators between
    /// consecutive operands.
    fn followed_by(&mut self, children: &[usize], ctx: &Ctx, next: &Cont) -> Cont {
        let group = self.fresh_id();
        let separators: Vec<u32> = (1..children.len()).map(|_| self.fresh_id()).collect();
        for &var in &separators {
            self.dbm.add_var(var);
        }
        let mut cont = next.clone();
        for &var in &separators {
            cont = then(Goal::Release(var), cont);
        }
        for (j, &child) in children.iter().enumerate().rev() {
            let mut child_ctx = ctx.clone();
            if j > 0 {
                child_ctx = with(
                    &child_ctx,
                    CtxItem::After {
                        var: separators[j - 1],
                        group,
                    },
                );
            }
            if j + 1 < children.len() {
                child_ctx = with(
                    &child_ctx,
                    CtxItem::Before {
                        var: separators[j],
                        group,
                    },
                );
            }
            cont = then(
                Goal::Node {
                    node: child,
                    ctx: child_ctx,
                },
                cont,
            );
        }
        cont
    }

    fn push_choice(&mut self, alternative: Alternative, cont: &Cont) {
        self.choices.push(Choice {
            alternative,
            cont: cont.clone(),
            trail_len: self.trail.len(),
            slots_len: self.slots.len(),
            dbm: self.dbm.clone(),
        });
    }

    /// Binds bracket `leaf` to the first fitting candidate at or after
    /// `from`, leaving a choice point for the others.
    fn try_leaf(
        &mut self,
        leaf: usize,
        ctx: &Ctx,
        from: usize,
        next: &Cont,
    ) -> Result<Option<Cont>, EvalError> {
        let all_matches = self.leaf_matches;
        let candidates = &all_matches[leaf];
        let set = self.set;
        // Symmetry of REPEATS copies: a copy's first instance comes no earlier
        // than the previous copy's first instance.
        let mut lowest = 0u32;
        for item in ctx_items(ctx) {
            if let CtxItem::Key {
                slot,
                previous: Some(previous),
            } = item
                && self.slots[slot].is_none()
                && let Some(observation) = self.slots[previous]
            {
                lowest = lowest.max(observation);
            }
        }
        // Candidates are in time order: skip those that start after the
        // latest instant the constraints allow, and those that end before the
        // earliest (all observations lasting at most `max_span`).
        let Some((low, high)) = self.time_range(ctx) else {
            return Ok(None);
        };
        let first_of = |o: u32| set.observations[o as usize].first;
        let mut start = from.max(candidates.partition_point(|&o| o < lowest));
        if let Some(low) = low {
            let earliest_start = low.saturating_sub(set.max_span);
            start = start.max(candidates.partition_point(|&o| first_of(o) < earliest_start));
        }
        let end = high.map_or(candidates.len(), |high| {
            candidates.partition_point(|&o| first_of(o) <= high)
        });
        for (pos, &observation) in candidates.iter().enumerate().take(end).skip(start) {
            self.tick()?;
            let info = &set.observations[observation as usize];
            if self.used[observation as usize] >= info.count
                || low.is_some_and(|low| info.last < low)
            {
                continue;
            }
            let before = self.dbm.clone();
            if !self.place(info.first, info.last, ctx) {
                self.dbm = before;
                continue;
            }
            if pos + 1 < end {
                let placed = std::mem::replace(&mut self.dbm, before);
                self.push_choice(
                    Alternative::Leaf {
                        leaf,
                        next_pos: pos + 1,
                        ctx: ctx.clone(),
                    },
                    next,
                );
                self.dbm = placed;
            }
            self.used[observation as usize] += 1;
            self.trail.push(Undo::Used(observation));
            for item in ctx_items(ctx) {
                if let CtxItem::Key { slot, .. } = item
                    && self.slots[slot].is_none()
                {
                    self.slots[slot] = Some(observation);
                    self.trail.push(Undo::Slot(slot));
                }
            }
            return Ok(Some(next.clone()));
        }
        Ok(None)
    }

    /// The instants an instance placed under `ctx` could take, ignoring its
    /// own interval: `(earliest, latest)`, each `None` when unbounded; `None`
    /// when no instant fits. With per-operator semantics this is the
    /// intersection of each operator's range, a necessary condition only.
    fn time_range(&mut self, ctx: &Ctx) -> Option<(Option<i128>, Option<i128>)> {
        let items: Vec<CtxItem> = ctx_items(ctx)
            .filter(|item| item.group().is_some())
            .collect();
        if items.is_empty() {
            return Some((None, None));
        }
        let saved = self.dbm.clone();
        let mut groups: Vec<Option<u32>> = if self.pattern.semantics.joint_time {
            vec![None]
        } else {
            items.iter().map(|item| item.group()).collect()
        };
        groups.sort_unstable();
        groups.dedup();
        let (mut low, mut high): (Option<i128>, Option<i128>) = (None, None);
        let mut feasible = true;
        for group in groups {
            let id = self.fresh_id();
            let t = self.dbm.add_var(id);
            let members = items
                .iter()
                .filter(|item| group.is_none() || item.group() == group);
            feasible = members.copied().all(|item| self.constrain_instant(t, item));
            if !feasible {
                break;
            }
            let (group_low, group_high) = self.dbm.range(t);
            low = low.max(group_low);
            high = match (high, group_high) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            self.dbm = saved.clone();
        }
        self.dbm = saved;
        feasible.then_some((low, high))
    }

    /// Adds an instance with interval `[first, last]` under the constraints
    /// of `ctx`; false when they cannot all hold.
    fn place(&mut self, first: i128, last: i128, ctx: &Ctx) -> bool {
        let items: Vec<CtxItem> = ctx_items(ctx)
            .filter(|item| item.group().is_some())
            .collect();
        if items.is_empty() {
            return true;
        }
        if self.pattern.semantics.joint_time {
            return self.place_with(first, last, &items);
        }
        let mut groups: Vec<u32> = items.iter().filter_map(CtxItem::group).collect();
        groups.sort_unstable();
        groups.dedup();
        groups.into_iter().all(|group| {
            let members: Vec<CtxItem> = items
                .iter()
                .copied()
                .filter(|item| item.group() == Some(group))
                .collect();
            self.place_with(first, last, &members)
        })
    }

    /// Adds one instant variable in `[first, last]` under `items`, then drops
    /// it (its effect on the other variables stays).
    fn place_with(&mut self, first: i128, last: i128, items: &[CtxItem]) -> bool {
        let id = self.fresh_id();
        let t = self.dbm.add_var(id);
        let ok = self.dbm.bound_var(t, first, last)
            && items.iter().all(|item| self.constrain_instant(t, *item));
        if ok {
            self.dbm.remove_var(id);
        }
        ok
    }

    /// Applies one context item to the instant at position `t`.
    fn constrain_instant(&mut self, t: usize, item: CtxItem) -> bool {
        match item {
            CtxItem::Within { var, window } => match self.dbm.position(var) {
                Some(w) => {
                    let span = if self.pattern.semantics.within_exclusive {
                        less_than(window.ceil)
                    } else {
                        at_most(window.floor)
                    };
                    self.dbm.constrain(w, t, at_most(0)) && self.dbm.constrain(t, w, span)
                }
                None => true,
            },
            CtxItem::Bounds { start, stop, .. } => {
                self.dbm.constrain(0, t, at_most(-start))
                    && self.dbm.constrain(t, 0, less_than(stop))
            }
            CtxItem::After { var, .. } => self
                .dbm
                .position(var)
                .is_none_or(|s| self.dbm.constrain(s, t, at_most(0))),
            CtxItem::Before { var, .. } => self
                .dbm
                .position(var)
                .is_none_or(|s| self.dbm.constrain(t, s, at_most(0))),
            CtxItem::Key { .. } => true,
        }
    }

    fn undo_to(&mut self, len: usize) {
        while self.trail.len() > len {
            match self.trail.pop() {
                Some(Undo::Used(observation)) => self.used[observation as usize] -= 1,
                Some(Undo::Slot(slot)) => self.slots[slot] = None,
                None => break,
            }
        }
    }

    /// Resumes the most recent choice point with its next alternative.
    fn backtrack(&mut self) -> Result<Option<Cont>, EvalError> {
        let pattern = self.pattern;
        while let Some(choice) = self.choices.pop() {
            self.tick()?;
            self.undo_to(choice.trail_len);
            self.slots.truncate(choice.slots_len);
            self.dbm = choice.dbm;
            match choice.alternative {
                Alternative::Or {
                    node,
                    next_child,
                    ctx,
                } => {
                    let PlanNode::Or(children) = &pattern.plan[node] else {
                        continue;
                    };
                    let Some(&child) = children.get(next_child) else {
                        continue;
                    };
                    if next_child + 1 < children.len() {
                        self.push_choice(
                            Alternative::Or {
                                node,
                                next_child: next_child + 1,
                                ctx: ctx.clone(),
                            },
                            &choice.cont,
                        );
                    }
                    return Ok(Some(then(Goal::Node { node: child, ctx }, choice.cont)));
                }
                Alternative::Leaf {
                    leaf,
                    next_pos,
                    ctx,
                } => {
                    if let Some(cont) = self.try_leaf(leaf, &ctx, next_pos, &choice.cont)? {
                        return Ok(Some(cont));
                    }
                }
            }
        }
        Ok(None)
    }
}
