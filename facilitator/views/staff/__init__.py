"""Staff: people, reviews, layers, actions, links, photos, custom prompts, privacy."""
