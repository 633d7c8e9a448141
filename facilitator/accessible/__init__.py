"""Accessibility helpers: spoken prompts (``speech``) and related tools.

Kept free of imports so that importing a submodule stays cheap.
"""
