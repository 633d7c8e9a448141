"""The person's data as a whole: subject access, retention and erasure, exports, backups."""
