//! Issue 30's test-mode checkout: filled in by its owner (see the module's first commit).
