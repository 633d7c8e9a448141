"""Family members and friends who add their views through a link."""
