//! The graph of principals and grants.
