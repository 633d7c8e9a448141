"""Signing in, one's own account, and administration."""
