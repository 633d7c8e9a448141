"""Staff's own prompts ("custom-<id>") are found through a hook the app factory sets up once,
per app: importing the custom prompts service registers nothing."""

from __future__ import annotations

import pytest
from flask import Flask

import facilitator.services.media.custom_prompts  # noqa: F401  (imported: registers nothing)
from facilitator.prompts.library import load_library, use_custom_prompts


def test_outside_an_app_a_custom_key_is_unknown() -> None:
    with pytest.raises(KeyError):
        load_library().prompt("custom-1")


def test_each_app_finds_them_its_own_way() -> None:
    library = load_library()
    stand_in = library.prompt("favourite-food")
    with_hook, without = Flask("with"), Flask("without")
    use_custom_prompts(with_hook, lambda key: stand_in if key == "custom-7" else library.prompt(""))
    with with_hook.app_context():
        assert library.prompt("custom-7") is stand_in
        assert library.prompt("favourite-food") is stand_in  # library keys as ever
    with without.app_context(), pytest.raises(KeyError):
        library.prompt("custom-7")
