"""Forms for a person's media: their photos and the custom prompts written for them.

The words are checked by the services (``services/media``), which know the limits, the picture
set and the person; these forms only read what was sent, so nothing typed is refused here that
the services would accept, and the page shows everything again after a refusal.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField

from ..models import CustomPrompt, VoiceRecording
from ..services.media import prompt_input
from ..services.media.prompt_input import Choice, CustomPromptInput

CHOICE_ROWS = prompt_input.MAX_CHOICES


class PhotoForm(FlaskForm):
    """A photo upload: the file, what it shows, its alt text and what it stands for."""

    photo = FileField(validators=[FileRequired(_l("Choose a photo to upload."))])
    label = StringField(default="")
    alt_text = TextAreaField(default="")
    stands_for = StringField(default="")

    @property
    def file_chosen(self) -> bool:
        """Whether a file came with the form (its bytes are not kept after a refusal)."""
        return bool(self.photo.data and self.photo.data.filename)


class CustomPromptForm(FlaskForm):
    """A custom prompt, new or changed, with an optional recording of a familiar voice.

    Field names are the page's: ``choice-1`` ... ``choice-N`` and ``choice-N-picture``.
    """

    text = TextAreaField(default="")
    topic_id = StringField(default="")
    answer_type = StringField(default="")
    picture = StringField(default="")
    alt = StringField(default="")
    photo_id = StringField(default="")
    recording = FileField()
    speaker = StringField(default="")
    kept_recording = StringField(default="")
    review = StringField(default="")  # a new prompt for one review (or ?review= on the page)
    remove_recording = StringField(default="")  # a checkbox: "on" when ticked

    @classmethod
    def for_prompt(cls, row: CustomPrompt, recording: VoiceRecording | None) -> CustomPromptForm:
        """The form filled from a saved prompt (in its first language, as it was written)."""
        lang = next(iter(row.texts), "en")
        data = {
            "text": row.texts.get(lang, ""),
            "answer_type": row.answer_type,
            "topic_id": row.topic_id,
            "picture": row.picture or "",
            "alt": (row.alt or {}).get(lang, ""),
            "photo_id": str(row.photo_id or ""),
            "kept_recording": recording.public_id if recording else "",
        }
        for number, choice in enumerate(row.choices or [], start=1):
            data[f"choice_{number}"] = next(iter((choice.get("labels") or {}).values()), "")
            data[f"choice_{number}_picture"] = choice.get("picture") or ""
        return cls(formdata=None, data=data)

    def choice_fields(self) -> list[tuple[StringField, StringField]]:
        """(label, picture) for each choice row, in order."""
        return [
            (self[f"choice_{n}"], self[f"choice_{n}_picture"]) for n in range(1, CHOICE_ROWS + 1)
        ]

    @property
    def recording_sent(self) -> bool:
        """Whether a recording file came with this form."""
        return bool(self.recording.data and self.recording.data.filename)

    @property
    def removes_recording(self) -> bool:
        """Whether the tablet's voice is chosen instead of the saved recording."""
        return self.remove_recording.data == "on"

    def to_input(self, recording_id: int | None) -> CustomPromptInput:
        """What the service checks and saves; ``recording_id`` is a recording already kept."""
        photo = (self.photo_id.data or "").strip()
        return CustomPromptInput(
            text=self.text.data or "",
            answer_type=self.answer_type.data or "",
            topic_id=self.topic_id.data or "",
            picture=self.picture.data or None,
            alt=self.alt.data or "",
            photo_id=int(photo) if photo.isdigit() else None,
            choices=[
                Choice(label.data or "", picture.data or None)
                for label, picture in self.choice_fields()
            ],
            recording_id=recording_id,
        )

    def advice(self, lang: str) -> list[str]:
        """The easy-read advice on the question as typed (advice only, never a refusal)."""
        return prompt_input.easy_read_advice(
            self.text.data or "", lang, self.picture.data or None, photo=bool(self.photo_id.data)
        )

    @property
    def typed(self) -> bool:
        """Whether a question has been typed (the advice then says when all is well)."""
        return bool((self.text.data or "").strip())


for _number in range(1, CHOICE_ROWS + 1):
    setattr(
        CustomPromptForm, f"choice_{_number}", StringField(name=f"choice-{_number}", default="")
    )
    setattr(
        CustomPromptForm,
        f"choice_{_number}_picture",
        StringField(name=f"choice-{_number}-picture", default=""),
    )


class MovePromptForm(FlaskForm):
    """Move a prompt earlier ("up") or later (anything else) in its topic."""

    direction = StringField(default="")

    @property
    def step(self) -> int:
        """-1 for earlier, 1 for later."""
        return -1 if self.direction.data == "up" else 1
