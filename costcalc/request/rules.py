"""How a provider bills a request: the rules chosen for one model, as plain data.

The billing method follows the model's provider (``openai``, ``anthropic``,
``google``; any other provider is counted the OpenAI chat way and marked
approximate). Media and tool-use overheads come from the model's table entry.
"""

from __future__ import annotations

from dataclasses import dataclass

OPENAI, ANTHROPIC, GOOGLE = "openai", "anthropic", "google"
_PROVIDERS = {
    "openai": OPENAI,
    "azure": OPENAI,
    "anthropic": ANTHROPIC,
    "google": GOOGLE,
    "gemini": GOOGLE,
    "vertex_ai": GOOGLE,
}
DEFAULT_IMAGE_SIZE = (1024, 1024)  # a remote image's assumed size without --image-size


@dataclass(frozen=True)
class Rules:
    """Everything counting a request needs to know about the model it is priced on."""

    encoding: str
    method: str = OPENAI  # whose billing method counts messages and tools
    model: str | None = None  # provider/id of the catalog entry, when there is one
    media: object = None  # costcalc.catalog.media.MediaRules, or None (media not priced)
    image_size: tuple[int, int] = DEFAULT_IMAGE_SIZE
    image_size_given: bool = False
    borrowed: bool = False  # the provider publishes no method; OpenAI chat's is used


_FAMILIES = (("claude", ANTHROPIC), ("gemini", GOOGLE), ("gpt-", OPENAI))


def _method_of(entry) -> str | None:
    """The provider's own method; on a host (Azure, Bedrock, Vertex AI...) the model family's."""
    method = method_for(entry.provider)
    if method is not None and entry.provider.lower() in ("openai", "anthropic", "google"):
        return method
    name = entry.id.lower().rsplit("/", 1)[-1]
    for marker, family in _FAMILIES:
        if marker in name:
            return family
    return method


def rules_for(entry, image_size: tuple[int, int] | None = None) -> Rules:
    """The rules of a catalog entry (a ModelEntry)."""
    method = _method_of(entry)
    return Rules(
        encoding=entry.tokenizer.encoding,
        method=method or OPENAI,
        model=entry.key,
        media=getattr(entry, "media", None),
        image_size=image_size or DEFAULT_IMAGE_SIZE,
        image_size_given=image_size is not None,
        borrowed=method is None,
    )


class Picker:
    """Chooses, for each request, the tokenizer and rules to count it with.

    ``forced`` (from -m) wins, with a note when a body names another model;
    otherwise the body's ``model`` is looked up with ``resolve``; otherwise
    ``default`` (a Tokenizer) with the body's own provider's method.
    ``strict``: a body model the catalog does not know is an error, not a note.
    """

    def __init__(self, default, *, forced=None, resolve=None, image_size=None, strict=False):
        self.default = default
        self.forced = forced
        self.resolve = resolve
        self.image_size = image_size
        self.strict = strict
        self.notes: dict[str, None] = {}  # ordered, once each

    def __call__(self, request):
        from costcalc.errors import UnknownModelError

        if self.forced is not None:
            if request.model and request.model.casefold() not in _names(self.forced):
                self.notes[
                    f"the request names model {request.model!r}; priced on the models chosen "
                    "on the command line instead"
                ] = None
            return self.forced.tokenizer, rules_for(self.forced, self.image_size)
        if request.model and self.resolve is not None:
            try:
                entry = self.resolve(request.model)
            except UnknownModelError as err:
                if self.strict:
                    raise type(err)(request.model, err.suggestions) from None
                self.notes[
                    f"the request names model {request.model!r}, which is not in the tables; "
                    f"counted with {self.default.encoding} (give -m to choose)"
                ] = None
            else:
                return entry.tokenizer, rules_for(entry, self.image_size)
        method = method_for(request.provider) or OPENAI
        size = self.image_size or DEFAULT_IMAGE_SIZE
        return self.default, Rules(
            self.default.encoding, method, None, None, size, self.image_size is not None
        )


def _names(entry) -> set[str]:
    return {n.casefold() for n in (entry.id, entry.key, *entry.aliases)}


def method_for(provider: str | None) -> str | None:
    """The billing method of a provider name; None when it publishes none of its own."""
    if provider is None:
        return None
    return _PROVIDERS.get(provider.lower().split("/")[0])
