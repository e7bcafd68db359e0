//! Content models of element declarations and their compiled automata.
//!
//! A content model such as `(ID?, V4, V6)` is compiled with the Glushkov
//! construction: every name occurrence in the model is a *position*, and the
//! automaton has one state per position plus a start state. A state's
//! transitions go to the positions that may follow it. XML 1.0 (appendix E)
//! requires content models to be deterministic, which here means that no state
//! has two transitions with the same name. Matching a child therefore takes one
//! scan of a short transition list, and matching a whole element is linear.

use std::fmt;

/// How often a particle may occur.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Occurrence {
    /// Exactly once (no indicator).
    Once,
    /// `?`: zero or one time.
    Optional,
    /// `*`: zero or more times.
    ZeroOrMore,
    /// `+`: one or more times.
    OneOrMore,
}

impl Occurrence {
    fn suffix(self) -> &'static str {
        match self {
            Occurrence::Once => "",
            Occurrence::Optional => "?",
            Occurrence::ZeroOrMore => "*",
            Occurrence::OneOrMore => "+",
        }
    }
}

/// One particle of an element-content model: a name or a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Particle {
    /// An element name.
    Name(Box<str>, Occurrence),
    /// `(a, b, c)`: the children in this order.
    Sequence(Vec<Particle>, Occurrence),
    /// `(a | b | c)`: one of the children.
    Choice(Vec<Particle>, Occurrence),
}

impl Particle {
    fn occurrence(&self) -> Occurrence {
        match self {
            Particle::Name(_, occurrence)
            | Particle::Sequence(_, occurrence)
            | Particle::Choice(_, occurrence) => *occurrence,
        }
    }
}

/// Writes the particle as the DTD does, with `, ` and ` | ` as separators.
impl fmt::Display for Particle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (children, separator) = match self {
            Particle::Name(name, occurrence) => {
                return write!(f, "{name}{}", occurrence.suffix());
            }
            Particle::Sequence(children, _) => (children, ", "),
            Particle::Choice(children, _) => (children, " | "),
        };
        f.write_str("(")?;
        for (index, child) in children.iter().enumerate() {
            if index > 0 {
                f.write_str(separator)?;
            }
            write!(f, "{child}")?;
        }
        write!(f, "){}", self.occurrence().suffix())
    }
}

/// The largest number of positions (name occurrences) in one content model.
pub const MAX_POSITIONS: usize = 1024;

/// The state before any child has been matched.
pub const START: u32 = 0;

/// A deterministic automaton compiled from one content model.
///
/// State 0 is the start state and state `p + 1` is "position `p` was the last
/// match". Transitions of state `s` are `targets[offsets[s]..offsets[s + 1]]`,
/// each a position index.
#[derive(Debug)]
pub struct Automaton {
    /// The element name at each position.
    labels: Vec<Box<str>>,
    /// The index into `alphabet` of each position's name.
    symbols: Vec<u16>,
    /// The distinct names of the model in order of first appearance.
    alphabet: Vec<Box<str>>,
    offsets: Vec<u32>,
    targets: Vec<u32>,
    accepting: Vec<bool>,
}

/// The reason a content model could not be compiled.
#[derive(Debug, PartialEq, Eq)]
pub enum CompileError {
    /// The model has more than [`MAX_POSITIONS`] name occurrences.
    TooManyPositions,
    /// The DTD's content models together exceed the caller's transition budget.
    TooManyTransitions,
    /// The named element can match two different positions from one state.
    NotDeterministic(Box<str>),
}

impl Automaton {
    /// Compiles `model` with the Glushkov construction. `budget` is the number
    /// of transitions the caller still allows; it is reduced by this model's count.
    pub fn compile(model: &Particle, budget: &mut usize) -> Result<Automaton, CompileError> {
        let mut labels = Vec::new();
        collect_labels(model, &mut labels);
        if labels.len() > MAX_POSITIONS {
            return Err(CompileError::TooManyPositions);
        }

        let words = labels.len().div_ceil(64).max(1);
        let mut builder = Builder {
            words,
            next_position: 0,
            follow: vec![vec![0u64; words]; labels.len()],
        };
        let root = builder.visit(model);

        let mut alphabet: Vec<Box<str>> = Vec::new();
        let mut symbols = Vec::with_capacity(labels.len());
        for label in &labels {
            let index = match alphabet.iter().position(|known| known == label) {
                Some(index) => index,
                None => {
                    alphabet.push(label.clone());
                    alphabet.len() - 1
                }
            };
            // MAX_POSITIONS keeps every index far below u16::MAX.
            symbols.push(u16::try_from(index).unwrap_or(u16::MAX));
        }

        let mut offsets = Vec::with_capacity(labels.len() + 2);
        let mut targets = Vec::new();
        let mut accepting = Vec::with_capacity(labels.len() + 1);
        // `stamps[symbol]` is 1 + the last state that had a transition on
        // `symbol`, so the determinism check costs O(1) per transition.
        let mut stamps = vec![0usize; alphabet.len()];
        let states = std::iter::once(&root.first).chain(builder.follow.iter());
        for (state, set) in states.enumerate() {
            offsets.push(u32::try_from(targets.len()).unwrap_or(u32::MAX));
            for position in iter_bits(set) {
                if *budget == 0 {
                    return Err(CompileError::TooManyTransitions);
                }
                *budget -= 1;
                let symbol = symbols
                    .get(position)
                    .map_or(0, |&symbol| usize::from(symbol));
                if let Some(stamp) = stamps.get_mut(symbol) {
                    if *stamp == state + 1 {
                        let label = labels.get(position).cloned().unwrap_or_default();
                        return Err(CompileError::NotDeterministic(label));
                    }
                    *stamp = state + 1;
                }
                targets.push(u32::try_from(position).unwrap_or(u32::MAX));
            }
            let accepts = if state == 0 {
                root.nullable
            } else {
                has_bit(&root.last, state - 1)
            };
            accepting.push(accepts);
        }
        offsets.push(u32::try_from(targets.len()).unwrap_or(u32::MAX));

        Ok(Automaton {
            labels,
            symbols,
            alphabet,
            offsets,
            targets,
            accepting,
        })
    }

    /// Returns the state reached from `state` by a child named `name`, or
    /// `None` when the model does not allow that child there.
    #[inline]
    pub fn step(&self, state: u32, name: &str) -> Option<u32> {
        self.transitions(state)
            .iter()
            .find(|&&position| self.label(position) == name)
            .map(|&position| position + 1)
    }

    /// Returns the state reached by `name` after skipping exactly one child
    /// that `state` allows: the recovery when an unknown child stood in the
    /// place of an expected one.
    pub fn step_after_substitution(&self, state: u32, name: &str) -> Option<u32> {
        self.transitions(state)
            .iter()
            .find_map(|&position| self.step(position + 1, name))
    }

    /// Returns whether the children matched so far form complete content.
    #[inline]
    pub fn is_accepting(&self, state: u32) -> bool {
        self.accepting.get(state as usize).copied().unwrap_or(false)
    }

    /// Returns the names allowed as the next child in `state`, in model order.
    pub fn expected_names(&self, state: u32) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for &position in self.transitions(state) {
            let label = self.label(position);
            if !names.contains(&label) {
                names.push(label);
            }
        }
        names
    }

    /// Returns the shortest sequence of child names that completes the
    /// content from `state`. It is empty when `state` is accepting.
    pub fn shortest_completion(&self, state: u32) -> Vec<&str> {
        let count = self.accepting.len();
        let mut previous: Vec<Option<u32>> = vec![None; count];
        let mut visited = vec![false; count];
        let mut queue = std::collections::VecDeque::new();
        let Some(slot) = visited.get_mut(state as usize) else {
            return Vec::new();
        };
        *slot = true;
        queue.push_back(state);
        while let Some(current) = queue.pop_front() {
            if self.is_accepting(current) {
                let mut path = Vec::new();
                let mut at = current;
                while at != state {
                    path.push(self.label(at.saturating_sub(1)));
                    match previous.get(at as usize).copied().flatten() {
                        Some(before) => at = before,
                        None => break,
                    }
                }
                path.reverse();
                return path;
            }
            for &position in self.transitions(current) {
                let next = position + 1;
                if let Some(seen) = visited.get_mut(next as usize) {
                    if !*seen {
                        *seen = true;
                        if let Some(slot) = previous.get_mut(next as usize) {
                            *slot = Some(current);
                        }
                        queue.push_back(next);
                    }
                }
            }
        }
        Vec::new()
    }

    /// Returns the index in the model's alphabet of `name`, if it occurs in the model.
    pub fn symbol_of(&self, name: &str) -> Option<usize> {
        self.alphabet.iter().position(|known| &**known == name)
    }

    /// Returns the alphabet index of the name matched last in `state`.
    pub fn symbol_at(&self, state: u32) -> Option<usize> {
        let position = state.checked_sub(1)?;
        self.symbols
            .get(position as usize)
            .map(|&symbol| usize::from(symbol))
    }

    /// Returns the distinct element names of the model.
    pub fn alphabet(&self) -> impl Iterator<Item = &str> {
        self.alphabet.iter().map(|name| &**name)
    }

    fn transitions(&self, state: u32) -> &[u32] {
        let start = self.offsets.get(state as usize).copied().unwrap_or(0) as usize;
        let end = self.offsets.get(state as usize + 1).copied().unwrap_or(0) as usize;
        self.targets.get(start..end).unwrap_or(&[])
    }

    fn label(&self, position: u32) -> &str {
        self.labels
            .get(position as usize)
            .map(|label| &**label)
            .unwrap_or("")
    }
}

fn collect_labels(particle: &Particle, labels: &mut Vec<Box<str>>) {
    match particle {
        Particle::Name(name, _) => labels.push(name.clone()),
        Particle::Sequence(children, _) | Particle::Choice(children, _) => {
            for child in children {
                collect_labels(child, labels);
                if labels.len() > MAX_POSITIONS {
                    return;
                }
            }
        }
    }
}

/// The Glushkov sets of one particle, as bit sets over positions.
struct Sets {
    nullable: bool,
    first: Vec<u64>,
    last: Vec<u64>,
}

struct Builder {
    words: usize,
    next_position: usize,
    follow: Vec<Vec<u64>>,
}

impl Builder {
    fn empty(&self) -> Vec<u64> {
        vec![0; self.words]
    }

    fn visit(&mut self, particle: &Particle) -> Sets {
        let mut sets = match particle {
            Particle::Name(..) => {
                let mut set = self.empty();
                set_bit(&mut set, self.next_position);
                self.next_position += 1;
                Sets {
                    nullable: false,
                    first: set.clone(),
                    last: set,
                }
            }
            Particle::Sequence(children, _) => {
                let mut sets = Sets {
                    nullable: true,
                    first: self.empty(),
                    last: self.empty(),
                };
                for child in children {
                    let child_sets = self.visit(child);
                    // Everything that may end the sequence so far is followed
                    // by whatever may start this child.
                    self.add_follow(&sets.last, &child_sets.first);
                    if sets.nullable {
                        union(&mut sets.first, &child_sets.first);
                    }
                    if child_sets.nullable {
                        union(&mut sets.last, &child_sets.last);
                    } else {
                        sets.last = child_sets.last;
                    }
                    sets.nullable &= child_sets.nullable;
                }
                sets
            }
            Particle::Choice(children, _) => {
                let mut sets = Sets {
                    nullable: false,
                    first: self.empty(),
                    last: self.empty(),
                };
                for child in children {
                    let child_sets = self.visit(child);
                    sets.nullable |= child_sets.nullable;
                    union(&mut sets.first, &child_sets.first);
                    union(&mut sets.last, &child_sets.last);
                }
                sets
            }
        };
        match particle.occurrence() {
            Occurrence::Once => {}
            Occurrence::Optional => sets.nullable = true,
            Occurrence::ZeroOrMore => {
                sets.nullable = true;
                self.add_follow(&sets.last, &sets.first);
            }
            Occurrence::OneOrMore => self.add_follow(&sets.last, &sets.first),
        }
        sets
    }

    fn add_follow(&mut self, from: &[u64], to: &[u64]) {
        for position in iter_bits(from) {
            if let Some(set) = self.follow.get_mut(position) {
                union(set, to);
            }
        }
    }
}

fn set_bit(set: &mut [u64], bit: usize) {
    if let Some(word) = set.get_mut(bit / 64) {
        *word |= 1 << (bit % 64);
    }
}

fn has_bit(set: &[u64], bit: usize) -> bool {
    set.get(bit / 64)
        .is_some_and(|word| word & (1 << (bit % 64)) != 0)
}

fn union(into: &mut [u64], from: &[u64]) {
    for (word, other) in into.iter_mut().zip(from) {
        *word |= other;
    }
}

fn iter_bits(set: &[u64]) -> impl Iterator<Item = usize> + '_ {
    set.iter().enumerate().flat_map(|(index, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            if rest == 0 {
                return None;
            }
            let bit = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            Some(index * 64 + bit)
        })
    })
}
