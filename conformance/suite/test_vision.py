"""Image input on `POST /chat/completions`, where `GET /models` says `supports_image_in`
(kimi-api.md §2, §3.6): a base64 PNG data URL is accepted; a public `https://` image URL
gets the documented 400 `unsupported image url`. Nothing is fetched by the suite."""

import base64
import struct
import zlib
from typing import Any

import pytest

from conformance.checks import payloads
from conformance.checks.asserts import expect_error, expect_json

pytestmark = pytest.mark.kimi_endpoint("POST /chat/completions")

PUBLIC_URL = "https://example.com/pixel.png"  # never fetched: the API must refuse it


def one_pixel_png() -> bytes:
    """A valid 1x1 opaque white PNG, built from its chunks."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # filter byte + one white pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _data_url() -> str:
    return "data:image/png;base64," + base64.b64encode(one_pixel_png()).decode()


def _no_images(model, params=None):
    """The plan's guess from the catalog; the check asks this run's GET /models."""
    from conformance.contract.catalog import DEFAULT_MODELS

    info = next((m for m in DEFAULT_MODELS if m.id == model), None)
    if info is not None and not info.supports_image_in:
        return f"{model} does not take images (supports_image_in)"
    return None


@pytest.fixture
def vision_model(kimi_models, kimi_model):
    entry: dict[str, Any] = next((m for m in kimi_models["data"] if m.get("id") == kimi_model), {})
    if entry.get("supports_image_in") is not True:
        pytest.skip(f"GET /models says {kimi_model} does not take images (supports_image_in)")
    return kimi_model


def _image_body(model, url):
    body = payloads.chat(model)
    body["messages"][0]["content"] = [
        {"type": "image_url", "image_url": {"url": url}},
        {"type": "text", "text": "What colour is this image? One word."},
    ]
    return body


@pytest.mark.kimi_cost(chat=lambda m: [_image_body(m, _data_url())], skips=_no_images)
@pytest.mark.kimi_rule("vision.data-url")
def test_image_data_url_accepted(raw, vision_model):
    document = expect_json(
        raw.post("chat/completions", json=_image_body(vision_model, _data_url())),
        "chat.completion",
    )
    assert document["usage"]["prompt_tokens"] > 0


@pytest.mark.kimi_cost(chat=lambda m: [_image_body(m, PUBLIC_URL)], skips=_no_images)
@pytest.mark.kimi_rule("vision.public-url", "error.envelope")
def test_public_image_url_rejected(raw, vision_model):
    expect_error(
        raw.post("chat/completions", json=_image_body(vision_model, PUBLIC_URL)),
        status=400,
        types=["invalid_request_error"],
        message="unsupported image url",
    )
