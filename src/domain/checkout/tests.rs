//! The checkout's contract, as unit tests.
