//! The graph of principals and grants (ACCESS-MODEL.md, "The graph"): business units, users, teams, roles,
//! field security profiles, positions and the environment, with the edges that give access. Record shares
//! are too many to be nodes and stay in the columnar share table.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::id::{BusinessUnitId, PositionId, ProfileId, RoleId, TeamId, UserId};
use crate::model::Tenant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Environment,
    BusinessUnit(BusinessUnitId),
    User(UserId),
    Team(TeamId),
    Role(RoleId),
    Profile(ProfileId),
    Position(PositionId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Edge {
    /// business unit -> its parent business unit (the root -> the environment)
    ChildOf,
    /// user or team -> its business unit
    InBusinessUnit,
    /// role -> the business unit it is defined in
    DefinedIn,
    /// role copy -> the root role it was copied from
    CopyOf,
    /// user -> team (explicit membership; default-team membership is implied by the business unit)
    MemberOf,
    /// user or team -> role
    HasRole,
    /// user -> manager
    ReportsTo,
    /// user -> position
    HoldsPosition,
    /// position -> parent position
    PositionChildOf,
    /// user or team -> field security profile
    HasProfile,
}

/// The graph, with the node of each record by id.
pub struct AccessGraph {
    pub graph: DiGraph<Node, Edge>,
    pub nodes: HashMap<Node, NodeIndex>,
    pub environment: NodeIndex,
}

impl AccessGraph {
    pub fn build(t: &Tenant) -> AccessGraph {
        let mut graph = DiGraph::with_capacity(
            t.business_units.len() + t.users.len() + t.teams.len() + t.roles.len() + 1,
            t.users.len() * 3 + t.team_members.len() + t.user_roles.len() + t.team_roles.len(),
        );
        let mut nodes = HashMap::new();
        let environment = graph.add_node(Node::Environment);
        nodes.insert(Node::Environment, environment);
        let mut add = |graph: &mut DiGraph<Node, Edge>, n: Node| *nodes.entry(n).or_insert_with(|| graph.add_node(n));
        for b in &t.business_units {
            add(&mut graph, Node::BusinessUnit(b.id));
        }
        for u in &t.users {
            add(&mut graph, Node::User(u.id));
        }
        for x in &t.teams {
            add(&mut graph, Node::Team(x.id));
        }
        for r in &t.roles {
            add(&mut graph, Node::Role(r.id));
        }
        for p in &t.field_security_profiles {
            add(&mut graph, Node::Profile(p.id));
        }
        for p in &t.positions {
            add(&mut graph, Node::Position(p.id));
        }
        let mut g = AccessGraph {
            graph,
            nodes,
            environment,
        };
        for b in &t.business_units {
            let to = b.parent.map_or(Some(environment), |p| g.node(Node::BusinessUnit(p)));
            g.link(Node::BusinessUnit(b.id), to, Edge::ChildOf);
        }
        for u in &t.users {
            let bu = g.node(Node::BusinessUnit(u.business_unit));
            g.link(Node::User(u.id), bu, Edge::InBusinessUnit);
            if let Some(m) = u.manager {
                let to = g.node(Node::User(m));
                g.link(Node::User(u.id), to, Edge::ReportsTo);
            }
            if let Some(p) = u.position {
                let to = g.node(Node::Position(p));
                g.link(Node::User(u.id), to, Edge::HoldsPosition);
            }
        }
        for x in &t.teams {
            let bu = g.node(Node::BusinessUnit(x.business_unit));
            g.link(Node::Team(x.id), bu, Edge::InBusinessUnit);
        }
        for r in &t.roles {
            let bu = g.node(Node::BusinessUnit(r.business_unit));
            g.link(Node::Role(r.id), bu, Edge::DefinedIn);
            if r.is_copy() {
                let root = g.node(Node::Role(r.root()));
                g.link(Node::Role(r.id), root, Edge::CopyOf);
            }
        }
        for p in &t.positions {
            if let Some(parent) = p.parent {
                let to = g.node(Node::Position(parent));
                g.link(Node::Position(p.id), to, Edge::PositionChildOf);
            }
        }
        for &(team, user) in &t.team_members {
            let to = g.node(Node::Team(team));
            g.link(Node::User(user), to, Edge::MemberOf);
        }
        for &(user, role) in &t.user_roles {
            let to = g.node(Node::Role(role));
            g.link(Node::User(user), to, Edge::HasRole);
        }
        for &(team, role) in &t.team_roles {
            let to = g.node(Node::Role(role));
            g.link(Node::Team(team), to, Edge::HasRole);
        }
        for &(user, profile) in &t.user_profiles {
            let to = g.node(Node::Profile(profile));
            g.link(Node::User(user), to, Edge::HasProfile);
        }
        for &(team, profile) in &t.team_profiles {
            let to = g.node(Node::Profile(profile));
            g.link(Node::Team(team), to, Edge::HasProfile);
        }
        g
    }

    pub fn node(&self, n: Node) -> Option<NodeIndex> {
        self.nodes.get(&n).copied()
    }

    fn link(&mut self, from: Node, to: Option<NodeIndex>, edge: Edge) {
        if let (Some(a), Some(b)) = (self.node(from), to) {
            self.graph.add_edge(a, b, edge);
        }
    }

    /// The nodes an edge of this kind leads to from `from` (a user's teams, a team's roles, ...).
    pub fn targets(&self, from: Node, edge: Edge) -> impl Iterator<Item = Node> + '_ {
        self.node(from)
            .into_iter()
            .flat_map(move |n| self.graph.edges_directed(n, Direction::Outgoing))
            .filter(move |e| *e.weight() == edge)
            .map(|e| self.graph[e.target()])
    }

    /// The nodes an edge of this kind comes from (a team's explicit members, a role's holders, ...).
    pub fn sources(&self, to: Node, edge: Edge) -> impl Iterator<Item = Node> + '_ {
        self.node(to)
            .into_iter()
            .flat_map(move |n| self.graph.edges_directed(n, Direction::Incoming))
            .filter(move |e| *e.weight() == edge)
            .map(|e| self.graph[e.source()])
    }
}

/// The business-unit tree, numbered in depth-first order so that "is B under A" is two comparisons.
#[derive(Clone, Debug, Default)]
pub struct BusinessUnitTree {
    pub ids: Vec<BusinessUnitId>,
    pub index: HashMap<BusinessUnitId, usize>,
    pub parent: Vec<Option<usize>>,
    /// Edges from the root (the root is 0).
    pub depth: Vec<u32>,
    /// Depth-first entry number; a unit's sub-tree is `enter..=exit`.
    pub enter: Vec<u32>,
    pub exit: Vec<u32>,
    pub root: Option<usize>,
}

impl BusinessUnitTree {
    /// Builds the tree (the tenant's tree has been checked: one root, no cycle).
    pub fn build(t: &Tenant) -> BusinessUnitTree {
        let ids: Vec<BusinessUnitId> = t.business_units.iter().map(|b| b.id).collect();
        let index: HashMap<BusinessUnitId, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let n = ids.len();
        let mut tree = BusinessUnitTree {
            parent: t
                .business_units
                .iter()
                .map(|b| b.parent.and_then(|p| index.get(&p).copied()))
                .collect(),
            ids,
            index,
            depth: vec![0; n],
            enter: vec![0; n],
            exit: vec![0; n],
            root: None,
        };
        // Depth-first numbering in id order (deterministic whatever the graph's insertion order).
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, p) in tree.parent.iter().enumerate() {
            match p {
                Some(p) => children[*p].push(i),
                None => tree.root = tree.root.or(Some(i)),
            }
        }
        for c in &mut children {
            c.sort_by_key(|&i| tree.ids[i]);
        }
        let mut counter = 0u32;
        let mut stack: Vec<(usize, bool)> = tree.root.into_iter().map(|r| (r, false)).collect();
        while let Some((i, done)) = stack.pop() {
            if done {
                tree.exit[i] = counter.saturating_sub(1);
                continue;
            }
            tree.enter[i] = counter;
            counter += 1;
            tree.depth[i] = tree.parent[i].map_or(0, |p| tree.depth[p] + 1);
            stack.push((i, true));
            for &c in children[i].iter().rev() {
                stack.push((c, false));
            }
        }
        tree
    }

    /// True when `unit` is `ancestor` or below it.
    pub fn contains(&self, ancestor: usize, unit: usize) -> bool {
        self.enter[ancestor] <= self.enter[unit] && self.enter[unit] <= self.exit[ancestor]
    }

    /// Edges from the root to the deepest unit.
    pub fn max_depth(&self) -> u32 {
        self.depth.iter().copied().max().unwrap_or(0)
    }
}
