//! Driving a test-mode checkout over HTTP, shared by the checkout tests (issue 30).
