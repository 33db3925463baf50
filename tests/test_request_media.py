from __future__ import annotations

import base64
import io
import json
import struct
import wave
import zlib
from decimal import Decimal

import pytest

from costcalc.catalog import load_catalog
from costcalc.catalog.media import ImageRule
from costcalc.request import media
from costcalc.request.billing import count_request
from costcalc.request.formats import read_requests
from costcalc.request.rules import rules_for
from costcalc.tokens import get_counter


def png(w: int, h: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def gif(w: int, h: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", w, h) + b"\x00\x00\x00;"


def jpeg(w: int, h: int) -> bytes:
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, h, w, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xd9"


def webp(w: int, h: int) -> bytes:
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
    vp8x += (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


def wav(seconds: float, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(seconds * rate))
    return buf.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


TILES = ImageRule("tiles", {"base": 85, "per_tile": 170})
MINI = ImageRule("tiles", {"base": 2833, "per_tile": 5667})
PATCHES = ImageRule("patches", {"multiplier": Decimal("1.62")})
PIXELS = ImageRule("pixels", {"divisor": 750, "max_long_edge": 1568, "max_pixels": 1200000})
GEMINI = ImageRule("fixed_tiles", {"small": 384, "tile": 768, "per_tile": 258})


@pytest.mark.parametrize("make", [png, gif, jpeg, webp])
def test_image_size_is_read_from_the_bytes(make):
    assert media.image_size(make(640, 480)) == (640, 480)


def test_bytes_that_are_not_an_image_are_refused():
    with pytest.raises(media.NotAnImage):
        media.image_size(b"hello, not an image at all")


# OpenAI's worked examples (images and vision guide, "Calculating costs").
@pytest.mark.parametrize(
    ("size", "detail", "tokens"),
    [((1024, 1024), "high", 765), ((2048, 4096), "high", 1105), ((4096, 8192), "low", 85)],
)
def test_openai_tile_examples(size, detail, tokens):
    assert media.image_tokens(*size, TILES, detail) == tokens


def test_gpt_4o_mini_has_its_own_constants():
    assert media.image_tokens(1024, 1024, MINI, "high") == 2833 + 4 * 5667
    assert media.image_tokens(1024, 1024, MINI, "low") == 2833


# OpenAI's patch examples: 1024x1024 is 1024 patches; 1800x2400 is scaled to 1452.
@pytest.mark.parametrize(("size", "patches"), [((1024, 1024), 1024), ((1800, 2400), 1452)])
def test_openai_patch_examples(size, patches):
    one = ImageRule("patches", {"multiplier": 1})
    assert media.image_tokens(*size, one) == patches
    assert media.image_tokens(*size, PATCHES) == -(-patches * 162 // 100)


# Anthropic's table of image sizes ("Evaluate image size").
@pytest.mark.parametrize(
    ("size", "tokens"), [((200, 200), 54), ((1000, 1000), 1334), ((1092, 1092), 1590)]
)
def test_anthropic_image_size_table(size, tokens):
    assert media.image_tokens(*size, PIXELS) == tokens


def test_anthropic_scales_large_images_down_first():
    assert media.image_tokens(4000, 4000, PIXELS) == media.image_tokens(1095, 1095, PIXELS)
    assert media.image_tokens(3136, 100, PIXELS) == media.image_tokens(1568, 50, PIXELS)


@pytest.mark.parametrize(
    ("size", "tokens"),
    [((384, 384), 258), ((100, 50), 258), ((385, 100), 258), ((1024, 1024), 1032)],
)
def test_gemini_per_image_and_per_tile(size, tokens):
    assert media.image_tokens(*size, GEMINI) == tokens


def _count(body: dict, model: str, image_size=None):
    entry = load_catalog([]).resolve(model)
    (request,) = read_requests(json.dumps(body), "x.json", "auto")
    rules = rules_for(entry, image_size)
    return count_request(request, rules, get_counter(entry.tokenizer.encoding))


def _chat_image(url: str, detail: str | None = None) -> dict:
    spec = {"url": url, **({"detail": detail} if detail else {})}
    return {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": spec}]}]}


def test_a_data_url_image_is_priced_by_the_table_never_as_text():
    body = _chat_image("data:image/png;base64," + b64(png(256, 256)))
    counted = _count(body, "gpt-4o")
    assert counted.fixed_tokens - 3 - 3 == 85 + 170  # message overhead and priming aside
    assert counted.text_tokens == 1  # "user"
    assert counted.exact


def test_remote_image_uses_the_given_size_and_is_approximate():
    counted = _count(_chat_image("https://example.com/cat.png"), "gpt-4o", (2048, 4096))
    assert counted.fixed_tokens - 6 == 1105
    assert [n.reason for n in counted.approximate] == [
        "remote image, size given with --image-size 2048x4096"
    ]
    assumed = _count(_chat_image("https://example.com/cat.png"), "gpt-4o")
    assert assumed.approximate[0].reason == "remote image, size assumed 1024x1024"


def test_a_model_without_its_own_rule_uses_the_providers_default_marked():
    counted = _count(_chat_image("data:image/png;base64," + b64(png(10, 10))), "gpt-5.5")
    assert any("default rule" in n.reason for n in counted.approximate)


def test_non_image_bytes_are_not_priced():
    counted = _count(_chat_image("data:image/png;base64," + b64(b"plain text")), "gpt-4o")
    assert [n.path for n in counted.not_priced] == ["messages[0].content[0]"]


def test_anthropic_image_block_and_tool_use_overhead():
    body = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 10,
        "tools": [{"name": "f", "input_schema": {"type": "object"}}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": b64(png(1000, 1000)),
                        },
                    },  # fmt: skip
                ],
            }
        ],
    }
    counted = _count(body, "claude-sonnet-4-6")
    assert counted.fixed_tokens == 1334 + 346
    body["tool_choice"] = {"type": "any"}
    assert _count(body, "claude-sonnet-4-6").fixed_tokens == 1334 + 313


def test_gemini_audio_by_the_second_and_video_without_a_length_not_priced():
    body = {
        "contents": [
            {
                "parts": [
                    {"inlineData": {"mimeType": "audio/wav", "data": b64(wav(2))}},
                    {"inlineData": {"mimeType": "video/mp4", "data": b64(b"\x00" * 64)}},
                ]
            }
        ]
    }
    counted = _count(body, "gemini-2.5-flash")
    assert counted.fixed_tokens == 64
    assert [n.path for n in counted.not_priced] == ["contents[0].parts[1]"]
    assert counted.text_tokens == 0  # media bytes never count as text


def test_pdf_pages_for_gemini():
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj 2 0 obj << /Type /Page >> endobj"
    pdf += b" 3 0 obj << /Type /Pages >> endobj"
    body = {"contents": [{"parts": [{"inlineData": {"mimeType": "application/pdf",
                                                    "data": b64(pdf)}}]}]}  # fmt: skip
    assert _count(body, "gemini-2.5-flash").fixed_tokens == 2 * 258
