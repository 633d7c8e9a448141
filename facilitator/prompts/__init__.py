"""The easy-read prompt library: topics, prompts, answer types and interface screens."""

from .library import (
    LANGUAGES,
    AnswerType,
    Library,
    LibraryError,
    Option,
    Picture,
    Prompt,
    Screen,
    Topic,
    all_spoken_texts,
    easy_read_problems,
    load_library,
)

__all__ = [
    "LANGUAGES",
    "AnswerType",
    "Library",
    "LibraryError",
    "Option",
    "Picture",
    "Prompt",
    "Screen",
    "Topic",
    "all_spoken_texts",
    "easy_read_problems",
    "load_library",
]
