"""Async tests of sqlvec, written by hand; tests/_sync is generated from them."""
