"""Tables, engine and the domain operations, as plain functions over a session.

Nothing in this package imports `telegram`.
"""
