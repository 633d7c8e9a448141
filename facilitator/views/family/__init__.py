"""Family members and friends, through a link."""
