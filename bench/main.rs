//! The load harness (being written).

fn main() {}
