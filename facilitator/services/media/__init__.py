"""The person's own pictures and voices: photos, recorded voices, custom prompts."""
