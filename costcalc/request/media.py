"""Media tokens by the providers' published rules, which live in the price tables.

Image size is read from the bytes by the ``imagesize`` package (PNG, JPEG,
GIF, WebP...), always from memory: nothing here opens a file or a URL. A
remote image's size is unknown: the size given with ``--image-size`` (or
1024x1024) is assumed and the count marked approximate. Audio, video and
documents are priced where the table has a rule, else noted as not priced.
"""

from __future__ import annotations

import io
import math
from decimal import ROUND_CEILING, Decimal

from costcalc.request.model import Part, PartKind
from costcalc.request.rules import Rules
from costcalc.request.tally import Tally


class NotAnImage(ValueError):
    pass


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) read from the image's header; NotAnImage when it is not one."""
    import imagesize  # small and pure Python; imported only when an image is met

    try:
        width, height = imagesize.get(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - any trouble reading a header means "not an image"
        width = height = -1
    if width <= 0 or height <= 0:
        raise NotAnImage("not an image (no PNG, JPEG, GIF or WebP header)")
    return width, height


# ---------------------------------------------------------------- image rules


def tiles(w: int, h: int, p: dict, detail: str | None) -> int:
    """OpenAI's tile rule: fit in fit x fit, shortest side to short_side, tiles of tile px."""
    base, per_tile = int(p["base"]), int(p["per_tile"])
    if detail == "low":
        return base
    fit, short, tile = (
        int(p.get("fit", 2048)),
        int(p.get("short_side", 768)),
        int(p.get("tile", 512)),
    )
    x: float = w
    y: float = h
    if max(x, y) > fit:
        scale = fit / max(x, y)
        x, y = x * scale, y * scale
    if min(x, y) > short:
        scale = short / min(x, y)
        x, y = x * scale, y * scale
    return base + per_tile * math.ceil(round(x, 6) / tile) * math.ceil(round(y, 6) / tile)


def patches(w: int, h: int, p: dict, detail: str | None) -> int:
    """OpenAI's patch rule: patch x patch px patches, at most max_patches, times a multiplier."""
    size, cap = int(p.get("patch", 32)), int(p.get("max_patches", 1536))
    mult = Decimal(p["multiplier"])
    n = math.ceil(w / size) * math.ceil(h / size)
    if n > cap:
        shrink = math.sqrt(size * size * cap / (w * h))
        sw, sh = w * shrink, h * shrink
        shrink *= min(math.floor(sw / size) / (sw / size), math.floor(sh / size) / (sh / size))
        n = math.ceil(w * shrink / size) * math.ceil(h * shrink / size)
        n = min(n, cap)
    return int((Decimal(n) * mult).to_integral_value(rounding=ROUND_CEILING))


def pixels(w: int, h: int, p: dict, detail: str | None) -> int:
    """Anthropic's rule: about width x height / divisor, after resizing to fit its limits."""
    edge, most = int(p.get("max_long_edge", 1568)), int(p.get("max_pixels", 1_200_000))
    scale = min(1.0, edge / max(w, h), math.sqrt(most / (w * h)))
    w, h = int(w * scale), int(h * scale)
    return math.ceil(w * h / int(p.get("divisor", 750)))


def fixed_tiles(w: int, h: int, p: dict, detail: str | None) -> int:
    """Gemini's rule: per_tile for an image within small x small, else per tile x tile px tile."""
    small, tile, per = int(p.get("small", 384)), int(p.get("tile", 768)), int(p["per_tile"])
    if w <= small and h <= small:
        return per
    return per * math.ceil(w / tile) * math.ceil(h / tile)


def flat(w: int, h: int, p: dict, detail: str | None) -> int:
    """A fixed count per image (Gemini 3's media_resolution levels, say)."""
    return int(p["tokens"])


IMAGE_METHODS = {"tiles": tiles, "patches": patches, "pixels": pixels,
                 "fixed_tiles": fixed_tiles, "flat": flat}  # fmt: skip
# Methods whose published rule is itself an approximation.
APPROXIMATE_METHODS = {"pixels": "Anthropic publishes image tokens as about w x h / 750",
                       "fixed_tiles": "Gemini crops and scales large images into tiles as "
                       "it needs; the tile count is estimated"}  # fmt: skip


def image_tokens(w: int, h: int, rule, detail: str | None = None) -> int:
    return IMAGE_METHODS[rule.method](w, h, rule.params, detail)


# ---------------------------------------------------------------- counting


def count_media(part: Part, rules: Rules, tally: Tally) -> None:
    m = part.media
    table = rules.media
    if part.kind is PartKind.IMAGE:
        rule = getattr(table, "image", None)
        if rule is None:
            tally.unpriced(part.path, "image: no image rule for this model in the tables")
            return
        if m is not None and m.data is not None:
            try:
                w, h = image_size(m.data)
            except NotAnImage as err:
                tally.unpriced(part.path, str(err))
                return
        else:
            w, h = rules.image_size
            how = "given with --image-size" if rules.image_size_given else "assumed"
            what = "remote image" if m is None or m.url == "remote" else "uploaded file"
            tally.approx(part.path, f"{what}, size {how} {w}x{h}")
        tally.fixed += image_tokens(w, h, rule, m.detail if m else None)
        if rule.method in APPROXIMATE_METHODS:
            tally.approx(part.path, APPROXIMATE_METHODS[rule.method])
        if rule.fallback:
            tally.approx(part.path, _FALLBACK)
        return
    kind = part.kind.value
    rate = getattr(table, kind, None)
    if rate is None:
        tally.unpriced(part.path, f"{kind}: not priced (no rule for this model in the tables)")
        return
    amount = _amount(part, rate.unit)
    if amount is None:
        tally.unpriced(part.path, f"{kind}: its length ({rate.unit}s) cannot be read")
        return
    tally.fixed += int((amount * rate.tokens).to_integral_value(rounding=ROUND_CEILING))
    how = "counted without parsing the file" if rate.unit == "page" else "read from its header"
    tally.approx(part.path, f"{kind}: {amount:f} {rate.unit}s, {how}")
    if kind == "audio":
        tally.approx(part.path, "audio tokens may have their own price; priced here as input")
    if rate.fallback:
        tally.approx(part.path, _FALLBACK)


_FALLBACK = "the provider's default rule (this model's own is not in the tables)"


def _amount(part: Part, unit: str) -> Decimal | None:
    data = part.media.data if part.media else None
    if data is None:
        return None
    if unit == "second":
        return wav_seconds(data)
    if unit == "page":
        return pdf_pages(data)
    return None


def wav_seconds(data: bytes) -> Decimal | None:
    """A WAV file's duration (the standard library reads its header); None otherwise."""
    import wave

    try:
        with wave.open(io.BytesIO(data)) as w:
            rate = w.getframerate()
            return Decimal(w.getnframes()) / Decimal(rate) if rate else None
    except (wave.Error, EOFError, ValueError):
        return None


def pdf_pages(data: bytes) -> Decimal | None:
    """A PDF's page count: its page objects, counted without parsing (an estimate)."""
    if not data.startswith(b"%PDF"):
        return None
    import re

    n = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    return Decimal(n) if n else None
