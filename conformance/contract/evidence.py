"""Every rule kimi-conformance judges, with how strongly Moonshot stands behind it.

A gate that fails deploys on behaviour Moonshot never promised gets switched off. So each
rule the suite checks, the fuzz oracle applies, the emulator enforces or `lint` reports
has one evidence level (kimi-api.md is where each comes from):

- `documented`: a Moonshot document states the answer (the docs pages, the official
  OpenAPI, the 2024 API reference, Moonshot's own verifier suites). `quote` holds the
  words, `source` where they are.
- `captured`: a real answer of the API is on record (live captures and error texts quoted
  in kimi-api.md). `quote` holds the answer, `source` where it was seen.
- `advice`: the docs tell clients not to do something, and do not say what the API answers.
- `inferred`: what OpenAI does, or our guess; nothing of Moonshot's on record.

Only `documented` and `captured` rules fail a run (`fails_run`). `advice` and `inferred`
rules are still exercised, and what the server did is reported as an observation (the
matrix, the JSON report, `--drift`); `--strict` turns them into failures. Where doc
generations conflict (⚠ in kimi-api.md) a rule says so in `conflict`, and every documented
answer passes.

One rule states one expectation: a check, a fuzz family, an emulator rejection or a lint
rule names the rule it applies (`@pytest.mark.kimi_rule("id")` in the suite, `rule=` on the
emulator's `ApiError`, `RuleInfo.evidence` in `lint`).

Public API: `Level`, `LEVELS`, `FAILING`, `Rule`, `RULES`, `rule(id)`, `fails_run(id)`,
`by_level()`.
"""

# ruff: noqa: RUF001  (the Chinese docs are quoted verbatim, full-width commas included)
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["FAILING", "LEVELS", "RULES", "Level", "Rule", "by_level", "fails_run", "rule"]

Level = Literal["documented", "captured", "advice", "inferred"]
LEVELS: tuple[Level, ...] = ("documented", "captured", "advice", "inferred")
FAILING: frozenset[str] = frozenset({"documented", "captured"})

# Where the words come from (kimi-api.md sections name the upstream source of each fact).
_OPENAPI = "OpenAPI 2026-08-17_5a0c5b82.json"
_ERRORS = "errors table (2024 api-reference.md; platform.kimi.ai/docs/api/errors.md, 2026)"
_INVALID_QUOTE = (
    "400 invalid_request_error | Invalid request: {error_details} | 请求无效，通常是您请求格式"
    "错误或者缺少必要参数 (the request is invalid: usually a malformed request or a missing "
    "required parameter)"
)
_CALIBRATED = (
    "kimi-api.md §3.2: live rejection texts, calibrated against api.moonshot.cn 2026-08-27"
)
_PROBES = "kimi-api.md §9: live captures of api.moonshot.ai, 2026-09-01 (probes/raw/kimi.jsonl)"
_VERIFIER = (
    "MoonshotAI/Kimi-Vendor-Verifier (Moonshot's official pre-flight suite), kimi-api.md §11"
)


@dataclass(frozen=True)
class Rule:
    """One expectation about the API's answers, with its evidence."""

    id: str
    level: Level
    says: str  # the rule, one line
    source: str  # where the evidence is (kimi-api.md section, and its upstream source)
    quote: str = ""  # documented: the docs' words; captured: the answer on record
    conflict: str = ""  # ⚠ doc generations disagree: the answers that all pass

    @property
    def fails_run(self) -> bool:
        return self.level in FAILING


def _registry(rules: Iterable[Rule]) -> dict[str, Rule]:
    """The rules by id; refuses a rule without its evidence (the module fails to import)."""
    table: dict[str, Rule] = {}
    for item in rules:
        if item.id in table:
            raise ValueError(f"rule {item.id!r} is defined twice")
        if item.level not in LEVELS:
            raise ValueError(f"rule {item.id!r}: level {item.level!r} is not one of {LEVELS}")
        if not item.says or not item.source:
            raise ValueError(f"rule {item.id!r} needs what it says and its source")
        if item.level in FAILING and not item.quote:
            raise ValueError(f"rule {item.id!r} is {item.level}: quote the docs or the answer")
        table[item.id] = item
    return table


def _doc(id: str, says: str, source: str, quote: str, conflict: str = "") -> Rule:
    return Rule(id, "documented", says, source, quote, conflict)


def _cap(id: str, says: str, source: str, quote: str, conflict: str = "") -> Rule:
    return Rule(id, "captured", says, source, quote, conflict)


def _advice(id: str, says: str, source: str, quote: str = "") -> Rule:
    return Rule(id, "advice", says, source, quote)


def _inferred(id: str, says: str, source: str, quote: str = "") -> Rule:
    return Rule(id, "inferred", says, source, quote)


RULES: dict[str, Rule] = _registry(
    [
        # --- configuration (checked locally: nothing is sent) -------------------------
        _doc(
            "base-url.official",
            "The base URL is Moonshot's: https://api.moonshot.ai/v1 or https://api.moonshot.cn/v1.",
            "kimi-api.md §1 (OpenAPI servers[0].url; platform.kimi.ai/docs/api/overview)",
            'set base_url to https://api.moonshot.ai/v1; CN "servers: url https://api.moonshot.cn"',
        ),
        _doc(
            "model-id.native",
            "A model ID is Moonshot's own (bare, lower case, listed by GET /models), never a "
            "third-party gateway's (moonshotai/..., moonshot/...).",
            "kimi-api.md §2 (the model IDs of every OpenAPI snapshot), §10",
            '"id": "kimi-k2.5" ("Model ID"), GET /v1/models; request "model": "kimi-k2.6"',
        ),
        # --- auth and models ----------------------------------------------------------
        _doc(
            "auth.bearer",
            "A request with `Authorization: Bearer <key>` is served.",
            "kimi-api.md §1 (OpenAPI securitySchemes.bearerAuth; overview page)",
            "Common Request Headers: ... Authorization Bearer $MOONSHOT_API_KEY",
        ),
        _doc(
            "auth.401",
            "A missing, non-Bearer or wrong key gets 401 with the error envelope.",
            f"kimi-api.md §8 {_ERRORS}; OpenAPI /v1/models responses: 401 ErrorResponse",
            "401 invalid_authentication_error Invalid Authentication; 401 Incorrect API key "
            "provided",
            conflict="error.type incorrect_api_key_error (2026 docs, live) or "
            "invalid_authentication_error (2024-25 docs): both pass",
        ),
        _doc(
            "models.list",
            "GET /models answers the documented list: object list, data[] with id (and the "
            "optional capability fields).",
            f"kimi-api.md §2 ({_OPENAPI} paths./v1/models.get)",
            '{"object": "list", "data": [{"id": "kimi-k2.5", "object": "model", ...}]}',
        ),
        _doc(
            "model-id.from-models",
            "The model under test is one GET /models lists in the same run.",
            "kimi-api.md §2 (GET /v1/models lists the account's models by ID)",
            'id ("Model ID", example "kimi-k2.5")',
        ),
        _doc(
            "model.unknown-404",
            "An unknown or retired model ID (a gateway's ID) gets 404 resource_not_found_error.",
            f"kimi-api.md §8 {_ERRORS}; live texts carry the ID",
            '404 resource_not_found_error "Not found the model <id> or Permission denied"',
        ),
        _doc(
            "balance.document",
            "GET /users/me/balance answers the documented shape; available_balance = cash + "
            "voucher (voucher when cash is negative).",
            f"kimi-api.md §4 (2024 CN docs, 2025 EN docs, {_OPENAPI} BalanceResponse)",
            '{"code": 0, "data": {"available_balance": 49.58894, "voucher_balance": 46.58893, '
            '"cash_balance": 3.00001}, "scode": "0x0", "status": true}',
        ),
        # --- chat completions ---------------------------------------------------------
        _doc(
            "chat.completion",
            "A chat answer is the documented chat.completion object (id, object, created, "
            "model, choices[].message, finish_reason, usage that adds up).",
            "kimi-api.md §3.4 (CN chat doc example, 2026; OpenAPI)",
            '{"id": "cmpl-...", "object": "chat.completion", "created": 1698999496, "model": '
            '"kimi-k2.6", "choices": [...], "usage": {"prompt_tokens": 19, '
            '"completion_tokens": 21, "total_tokens": 40}}',
            conflict="id cmpl-<hex> (docs) or chatcmpl-<hex> (live): both pass",
        ),
        _doc(
            "chat.model-echo",
            "The answer's model is the requested model.",
            "kimi-api.md §3.4 (the doc example answers a kimi-k2.6 request with "
            '"model": "kimi-k2.6"; the live k3 capture with "kimi-k3")',
            '"model": "kimi-k2.6"',
        ),
        _doc(
            "chat.max-tokens-length",
            "An answer cut by max_completion_tokens finishes with `length` and spends no more.",
            "kimi-api.md §3.1; 2024 api-reference.md (max_tokens)",
            '如果到生成了最大 token 数个结果仍然没有结束，finish reason 会是 "length" (if the '
            'answer has not ended at max tokens, finish_reason is "length")',
        ),
        _doc(
            "error.envelope",
            'Errors are the envelope {"error": {"message", "type"}} with a documented type for '
            "the status.",
            f"kimi-api.md §8 ({_OPENAPI} ErrorResponse; live bodies)",
            '{"error": {"message": string (required), "type": string, "code": string}}',
        ),
        _doc(
            "request.invalid-400",
            "A malformed request (a type, enum, range, length or required field the documented "
            "request schema forbids) gets 400 invalid_request_error.",
            f"kimi-api.md §8 {_ERRORS}; the request schema: §3.1 ({_OPENAPI})",
            _INVALID_QUOTE,
        ),
        _doc(
            "request.not-json",
            "A body that is not JSON gets 400 invalid_request_error with the error envelope.",
            f"kimi-api.md §8 {_ERRORS}; §1 (Content-Type application/json)",
            _INVALID_QUOTE,
        ),
        _doc(
            "request.valid-served",
            "A request the documented schema and the model's rules allow gets 200 and a "
            "documented answer (streamed: a documented stream).",
            f"kimi-api.md §3.1-§3.5 ({_OPENAPI} /v1/chat/completions: 200 ChatCompletion)",
            "responses: 200: ChatCompletion (stream: text/event-stream of ChatCompletionChunk)",
        ),
        _cap(
            "chat.messages-not-empty",
            "An empty messages array gets 400 invalid_request_error.",
            _CALIBRATED,
            "Invalid request: messages must not be empty",
        ),
        _doc(
            "chat.content-not-empty",
            "A message whose content is missing or empty gets 400 invalid_request_error "
            "(assistant tool-call and partial turns aside).",
            f"kimi-api.md §3.1 (OpenAPI Message: 'content must not be empty'); {_ERRORS}",
            "role supports system, user, assistant, tool. content must not be empty.",
        ),
        _doc(
            "chat.role",
            "A message role other than system, user, assistant, tool gets 400 "
            "invalid_request_error.",
            f"kimi-api.md §3.1 (OpenAPI Message.role enum); {_ERRORS}",
            "Message.role: enum system, user, assistant, tool",
        ),
        _doc(
            "chat.content-shape",
            "Content is a string or an array of text / image_url / video_url parts; anything "
            "else gets 400 invalid_request_error.",
            f"kimi-api.md §3.1 (OpenAPI Message.content oneOf); {_ERRORS}",
            "Message.content: oneOf string, or an array of parts {type: text, text} / "
            "{type: image_url, ...} / {type: video_url, ...}",
        ),
        _doc(
            "chat.response-format",
            "response_format is {type: text|json_object|json_schema} (json_schema with name and "
            "schema); anything else gets 400 invalid_request_error.",
            f"kimi-api.md §3.1, §3.6 ({_OPENAPI}); {_ERRORS}",
            'response_format: {type: "text"|"json_object"|"json_schema", json_schema?: {name '
            "(req), schema (req, MFJS), strict}}",
        ),
        _doc(
            "chat.token-limit",
            "Prompt plus max_completion_tokens over the model's context gets 400 "
            "invalid_request_error.",
            f"kimi-api.md §3.1, §8 {_ERRORS}",
            "Your request exceeded model token limit : {max_model_length}",
        ),
        _doc(
            "thinking.off-no-reasoning",
            "With thinking disabled, the answer carries no reasoning_content.",
            "kimi-api.md §3.3 (OpenAPI ChatCompletion message.reasoning_content)",
            'reasoning_content (string|null, "returned only when thinking mode is enabled")',
        ),
        _doc(
            "thinking.switch",
            "thinking is {type: enabled|disabled} (k2.6 also keep: all|null); k2.7-code takes "
            "only enabled; another value gets 400 invalid_request_error.",
            f"kimi-api.md §3.3 ({_OPENAPI} thinking schemas)",
            'k2.7-code: type accepts only "enabled" ("passing `disabled` returns an error")',
        ),
        _doc(
            "thinking.reasoning-effort",
            "kimi-k3 takes reasoning_effort low, high or max and still thinks; elsewhere the "
            "field is refused or ignored.",
            f"kimi-api.md §3.1, §3.3 ({_OPENAPI} KimiK3ChatRequest)",
            "reasoning_effort: k3 only: low, high, max (default max)",
            conflict="a value outside the enum: the spec refuses it, the 2026-08-27 live "
            "calibration found it ignored; both pass",
        ),
        # --- streaming ----------------------------------------------------------------
        _doc(
            "stream.content-type",
            "A streamed answer is sent as text/event-stream.",
            "kimi-api.md §3.5 (CN streaming doc)",
            "检查响应 Headers 中的 Content-Type，为 text/event-stream 即表示当前响应是流式输出",
        ),
        _doc(
            "stream.framing",
            "Every event is `data: <JSON object>`; `data: [DONE]` ends the stream; nothing "
            "follows it.",
            "kimi-api.md §3.5 (CN chat doc 2026; 2023 api-reference)",
            "data: {...chat.completion.chunk...} ... data: [DONE]",
        ),
        _doc(
            "stream.chunk",
            "Every chunk is a documented chat.completion.chunk.",
            f"kimi-api.md §3.5 ({_OPENAPI} ChatCompletionChunk; doc examples)",
            '{"id":"cmpl-xxx","object":"chat.completion.chunk","created":1698999575,'
            '"model":"kimi-k2.6","choices":[{"index":0,"delta":{...},"finish_reason":null}]}',
        ),
        _doc(
            "stream.constant-id",
            "id, created and model are the same in every chunk of a stream.",
            "kimi-api.md §3.5 (every chunk of the doc example repeats them)",
            '"id":"cmpl-xxx","object":"chat.completion.chunk","created":1698999575 (each chunk)',
        ),
        _doc(
            "stream.role-first",
            "role comes in the first delta of each choice, and only there.",
            "kimi-api.md §3.5 (doc examples: the first chunk's delta carries role)",
            '{"delta":{"role":"assistant","content":""}} first; then {"delta":{"content":...}}',
        ),
        _doc(
            "stream.one-finish",
            "Each choice finishes exactly once, in its last chunk.",
            "kimi-api.md §3.5 (doc examples)",
            '"finish_reason":null ... {"delta":{},"finish_reason":"stop"} (the last chunk)',
        ),
        _doc(
            "stream.usage",
            "The final chunk carries usage (at the top level or in its choice) that adds up.",
            "kimi-api.md §3.5 (CN doc example 2026; 2023-25 docs; migration guide)",
            "we also place usage information ... in the end data block of each choice",
            conflict="usage at the chunk's top level (2026 CN example) or inside the choice "
            "(2023-25 docs, captures): both pass",
        ),
        _inferred(
            "stream.include-usage-chunk",
            "With stream_options.include_usage, a trailing chunk with `choices: []` carries usage.",
            "kimi-api.md §3.1, §3.5: the OpenAPI text is copied from OpenAI ('⚠ CONFLICT with "
            "the observed behaviour'; not seen in any capture)",
        ),
        _doc(
            "stream.reasoning-first",
            "In a streamed answer with thinking on, reasoning_content comes before content and "
            "tool_calls.",
            "kimi-api.md §3.3 (the guide; the kimi-probe streaming probe)",
            "Stream: delta.reasoning_content comes before content / tool_calls",
        ),
        _doc(
            "stream.tool-call-fragments",
            "A streamed tool call's first fragment carries index, id, type and function.name; "
            "later fragments carry its index and function.arguments only.",
            "kimi-api.md §3.5 (MoonshotAI/Kimi-K2 docs/tool_call_guidance.md stream example; "
            "cookbook CollectMessage)",
            "the first fragment carries id, type, function.name; later ones only "
            "function.arguments",
        ),
        _doc(
            "stream.tool-calls-reassemble",
            "Tool-call fragments merged by index add up to complete calls with JSON arguments.",
            "kimi-api.md §3.5, §11 (Kimi-K2 tool_call_guidance.md: reassembly by index)",
            "Stream tool_calls arrive as fragments with `index`",
        ),
        _doc(
            "stream.prompt-parity",
            "The same request reports the same prompt_tokens streamed and not streamed.",
            f"{_VERIFIER}: tests/prompt_tokens (stream=false and stream=true)",
            "usage.prompt_tokens must equal fixed constants ...; usage is read from "
            "choice.usage or chunk.usage",
        ),
        _inferred(
            "stream.shape-parity",
            "A streamed answer and a non-streamed answer to the same request agree in shape "
            "(finish_reason, tool-call names, reasoning present).",
            "our guess: the model samples each answer anew (temperature is fixed at 1.0 when "
            "thinking), so nothing promises the two take the same path",
        ),
        _doc(
            "stream.sdk",
            "The openai SDK's stream iterator reads the stream: valid chunks adding up to one "
            "assistant answer with usage.",
            "kimi-api.md §1, §3.5 (OpenAI-compatible API; SDK base_url)",
            "set base_url to https://api.moonshot.ai/v1 (the OpenAI SDK, stream=True)",
        ),
        _cap(
            "headers.request-id",
            "Every answer carries Msh-Request-Id, the ID support asks for.",
            _PROBES,
            "always: ... Msh-Request-Id: <uuid v1> (e.g. f1f0641d-a608-11f1-88e1-eaf9ba74c120)",
        ),
        # --- tools --------------------------------------------------------------------
        _doc(
            "tools.call-shape",
            "A tool call has an id, type function, a declared name and JSON arguments valid "
            "against the tool's parameters.",
            "kimi-api.md §3.4; K2-Vendor-Verifier 'ToolCall-Schema Accuracy' (§11)",
            'message.tool_calls[] = {id, type:"function", function:{name, arguments: <JSON '
            "string>}}, finish_reason tool_calls",
        ),
        _inferred(
            "tools.call-made",
            "Asked an explicit tool question with tool_choice auto, the model calls the tool.",
            "the model decides under `auto`; K2-Vendor-Verifier measures it as a statistic "
            "(trigger similarity >= 73-80%), never per answer",
        ),
        _doc(
            "tools.choice-auto",
            "tool_choice auto is accepted for every model.",
            f"kimi-api.md §3.3 ({_OPENAPI} tool_choice; the 2024 migration guide)",
            '"auto" (default)',
            conflict="`required` and the named function are contested per model: not judged",
        ),
        _doc(
            "tools.round-trip",
            "A tool result (role tool, tool_call_id) after the assistant turn as it came back "
            "is accepted.",
            "kimi-api.md §3.1 (guides: tool messages carry tool_call_id and name)",
            "Guides: tool messages carry `tool_call_id` (+ `name`)",
        ),
        _inferred(
            "tools.choice-none",
            "With tool_choice none, the answer makes no tool call.",
            "OpenAI's meaning of `none`; Moonshot documents the value, not what it does",
        ),
        _cap(
            "tools.reasoning-kept",
            "With thinking on, an assistant tool-call turn sent back without its "
            "reasoning_content gets 400.",
            "kimi-api.md §3.1, §8 (hermes-agent commit text; kimi.com Code error reference)",
            "thinking is enabled but reasoning_content is missing in assistant tool call "
            "message at index N",
        ),
        _cap(
            "tools.named-while-thinking",
            "A named-function tool_choice with thinking on gets 400.",
            _CALIBRATED,
            "tool_choice 'specified' is incompatible with thinking enabled",
        ),
        _cap(
            "tools.function-name",
            "A function name no documented pattern accepts gets 400 invalid_request_error.",
            f"{_CALIBRATED}; OpenAPI name pattern (§3.1)",
            "Invalid request: function name is invalid, must start with a letter and can "
            "contain letters, numbers, underscores, and dashes",
            conflict="the pattern is {2,63}, {0,255} or {0,127} characters by doc generation: "
            "only names every generation refuses are judged",
        ),
        _doc(
            "tools.shape",
            "tools is an array of {type, function: {name, parameters (object)}}; a tool "
            "without a name, or parameters that are not an object, gets 400.",
            f"kimi-api.md §3.1 ({_OPENAPI} ToolDefinition); {_ERRORS}",
            "ToolDefinition {type: function, function: {name (req), description, parameters "
            "(req, object, MFJS), strict}}",
        ),
        _cap(
            "tools.type",
            "A tool whose type is not function (or builtin_function) gets 400.",
            "kimi-api.md §8 (platform, live 2026-09-01: a tool without `type`)",
            "Invalid request: unknown tool type: , currently only function and plugin are "
            "supported",
        ),
        _cap(
            "tools.mfjs",
            "A tool's parameters (or a response_format json_schema) that are not Moonshot "
            "Flavored JSON Schema get 400 invalid_request_error.",
            "kimi-api.md §3.8 (kimi-cli#2531, #1595, #2061; kimi-code#1610; CLIProxyAPI#5316)",
            "400 tools.function.parameters is not a valid moonshot flavored json schema, "
            "details: <At path 'properties.truncateMode': type is not defined>",
        ),
        _inferred(
            "tools.duplicate-name",
            "Two tools with the same function name get 400.",
            "kimi-api.md §8: 'function name ... is duplicated' was seen on the Kimi Code "
            "gateway only ('may also apply to the platform'): no platform answer on record",
        ),
        _inferred(
            "tools.orphan-message",
            "A tool message whose tool_call_id answers no earlier call gets 400.",
            "kimi-api.md §3.1: the schema under-specifies tool_call_id; OpenAI refuses it; "
            "no Moonshot doc states the answer",
        ),
        _doc(
            "tools.choice-shape",
            "tool_choice is auto, none, required or {type: function, function: {name}}; "
            "`required` without tools gets 400.",
            f"kimi-api.md §3.3 ({_OPENAPI} 2026-07-13+); {_VERIFIER} test_tool_choice.py",
            "`required` with no `tools` field -> 400",
        ),
        _inferred(
            "tools.choice-unknown-function",
            "A named tool_choice naming a function not in tools gets 400.",
            "OpenAI's behaviour; no Moonshot doc or capture",
        ),
        _cap(
            "web-search.round-trip",
            "$web_search is called as a builtin_function; its arguments sent back unchanged as "
            "the tool result are accepted.",
            "kimi-api.md §3.7 (public implementations; a capture 'verified working with "
            "official Kimi API', index 8904267197)",
            '{"id":"t-web_search-…","type":"builtin_function","function":{"name":"$web_search",'
            '"arguments":"{\\"search_result\\":...}"}}',
        ),
        # --- per-model parameters -----------------------------------------------------
        _doc(
            "params.defaults-accepted",
            "Every sampling parameter sent with its default (fixed) value is accepted.",
            f"{_VERIFIER}: tests/params/test_params.py test_default_param_accepted",
            "Sending the default value explicitly is accepted",
        ),
        _doc(
            "params.fixed",
            "A fixed parameter (k2.5 and newer) with any other value gets 400 "
            "`invalid <name>: only <v> is allowed for this model`.",
            f"kimi-api.md §3.2 (Model Parameter Reference 'Cannot be modified'; {_VERIFIER} "
            "'a wrong value gets 400'); texts: live calibration 2026-08-27",
            "invalid temperature: only 1 is allowed for this model",
        ),
        _doc(
            "params.range",
            "A modifiable parameter outside its documented range (temperature [0, 1], top_p "
            "[0, 1], n [1, 5], penalties [-2, 2]) gets 400 invalid_request_error.",
            f"kimi-api.md §3.2 ({_OPENAPI} MoonshotV1ChatRequest; migration guide); {_ERRORS}",
            "the range of values for the temperature parameter in the Kimi API is [0, 1]",
        ),
        _doc(
            "params.range-edges",
            "The documented edges of every range are accepted, n up to 5.",
            f"kimi-api.md §3.2 ({_OPENAPI} MoonshotV1ChatRequest)",
            "temperature number [0,1]; top_p [0,1]; n int [1,5]; penalties [-2,2]",
        ),
        _doc(
            "params.n-needs-temperature",
            "n > 1 with temperature close to 0 gets 400 invalid_request_error.",
            "kimi-api.md §3.2 (models overview); 2024 api-reference.md (n)",
            "When temperature is close to 0, n can only be 1. Otherwise, the API returns "
            "invalid_request_error.",
        ),
        _doc(
            "params.stop",
            "stop is a string or at most 5 strings of at most 32 bytes; more gets 400 "
            "invalid_request_error.",
            f"kimi-api.md §3.1 ({_OPENAPI} stop); {_ERRORS}",
            'stop: string, or array maxItems: 5; "each string must not exceed 32 bytes"',
        ),
        _cap(
            "params.logprobs",
            "top_logprobs without logprobs true gets 400.",
            _CALIBRATED,
            "Invalid request: logprobs must be set to true if top_logprobs is used",
        ),
        # --- modes --------------------------------------------------------------------
        _doc(
            "partial.continues",
            "Partial mode continues after the prefix: non-empty content without the prefix.",
            "kimi-api.md §3.6 (2025 docs; 2026 CN chat doc)",
            "the API response does not include the leading_text",
        ),
        _advice(
            "partial.with-json-object",
            "Partial mode combined with response_format json_object gets 400.",
            "kimi-api.md §3.6: the docs tell clients not to mix them and do not say what the "
            "API answers",
            "Do not mix Partial Mode with response_format=json_object",
        ),
        _inferred(
            "partial.last-message",
            "partial: true on a message other than the last assistant message gets 400.",
            "kimi-api.md §3.1 says how to enable partial mode, not what a misplaced flag gets",
        ),
        _doc(
            "json-object.mode",
            "response_format json_object gives content that parses as a JSON object.",
            "kimi-api.md §3.6 (JSON mode)",
            'JSON mode: response_format: {"type":"json_object"}',
        ),
        _doc(
            "json-schema.mode",
            "response_format json_schema (strict, the default) gives content valid against the "
            "schema.",
            f"kimi-api.md §3.1, §3.6 ({_OPENAPI} json_schema: strict default true)",
            "json_schema?: {name (req), schema (req, MFJS), strict (default true)}",
        ),
        # --- vision -------------------------------------------------------------------
        _doc(
            "vision.data-url",
            "An image sent as a base64 data URL is accepted by a model that takes images.",
            "kimi-api.md §3.6 (vision guide)",
            "image parts as base64 data URLs, or ms://<file_id>",
        ),
        _cap(
            "vision.public-url",
            "A public http(s) image URL gets 400 `unsupported image url`.",
            "kimi-api.md §3.6 (live; kimi.com Code error reference; notes index 66312316240)",
            "Public http(s) image URLs are rejected (live: 400 'unsupported image url')",
        ),
        # --- token estimate -----------------------------------------------------------
        _doc(
            "estimate.document",
            "The token estimator answers {data: {total_tokens: N}}.",
            "kimi-api.md §7 (docs, verbatim)",
            '{"data": {"total_tokens": 80}}',
        ),
        _doc(
            "estimate.agrees",
            "The estimate equals the prompt_tokens a chat request with the same messages "
            "reports (+3 accepted).",
            f"2024 api-reference.md (max_tokens: the exact input count); {_VERIFIER} (+3)",
            '如果您希望获得"输入的精确 token 数"，可以使用下面的"计算 Token" API (for the exact '
            "input token count, use the Calculate Token API)",
        ),
        # --- files --------------------------------------------------------------------
        _doc(
            "files.lifecycle",
            "Upload, list, get, content and delete answer the documented FileObject shapes; "
            "a deleted file is gone.",
            f"kimi-api.md §5 ({_OPENAPI} /v1/files*)",
            'DELETE /v1/files/{file_id} -> {"id": ..., "object": "file", "deleted": true}',
        ),
        _doc(
            "files.not-found",
            "A file that does not exist gets 404 resource_not_found_error.",
            f"kimi-api.md §5 ('404 if not found'), §8 {_ERRORS} (404's one type)",
            "GET /v1/files/{file_id} -> FileObject; 404 if not found",
        ),
        _doc(
            "files.upload-rejected",
            "An unknown purpose, an empty or too large file, too many files get 400 "
            "invalid_request_error.",
            f"kimi-api.md §5, §8 {_ERRORS}",
            "File size is zero, please confirm and re-upload the file",
            conflict="the purpose text still says 'only file-extract accepted' though 2026 "
            "added purposes: only the mention of the purpose is judged",
        ),
        _inferred(
            "files.paging",
            "GET /files pages with limit/after/order and has_more.",
            "kimi-api.md §5: no query parameter of GET /files is documented (OpenAI pages)",
        ),
        # --- batches ------------------------------------------------------------------
        _doc(
            "batches.lifecycle",
            "Create, retrieve and cancel answer BatchObjects that follow the documented state "
            "machine; a batch whose input follows the guide completes.",
            f"kimi-api.md §6 ({_OPENAPI} /v1/batches*; the batch guide)",
            "status enum: validating, failed, in_progress, finalizing, completed, expired, "
            "cancelling, cancelled",
        ),
        _doc(
            "batches.list",
            "GET /batches pages with limit and after and says has_more.",
            "kimi-api.md §6",
            'GET /v1/batches?after=<last batch id>&limit=<default 20> -> {"object":"list",'
            '"data":[BatchObject],"has_more":bool}',
        ),
        _inferred(
            "batches.list-order",
            "GET /batches lists the newest batch first.",
            "kimi-api.md §6: the order is not documented (OpenAI lists newest first)",
        ),
        _doc(
            "batches.cancel-refused",
            "Cancelling a batch that is not validating, in_progress or finalizing gets 400.",
            "kimi-api.md §6",
            "Only validating, in_progress, finalizing can be cancelled ...; otherwise 400.",
        ),
        _doc(
            "batches.not-found",
            "A batch that does not exist gets 404 resource_not_found_error.",
            f"kimi-api.md §6 ('404 if not found'), §8 {_ERRORS} (404's one type)",
            "GET /v1/batches/{batch_id} -> BatchObject (404 if not found)",
        ),
        _doc(
            "batches.create-request",
            "A batch request needs input_file_id (a .jsonl batch file), endpoint "
            "/v1/chat/completions and a completion_window of 12h..7d; else 400.",
            f"kimi-api.md §6 ({_OPENAPI} BatchCreateRequest); {_ERRORS}",
            "completion_window (supports formats like 12h, 1d, 3d, minimum 12h, maximum 7d)",
        ),
        _advice(
            "batches.input-rules",
            "An input file breaking the guide's rules (a bad line, another url, mixed models, "
            "a repeated custom_id) is refused: 400 at creation or a failed batch.",
            "kimi-api.md §6 (the batch guide states the rules, not what breaking them gets)",
            "all lines use the same model; custom_id unique; method POST; url /v1/chat/completions",
        ),
        _inferred(
            "batches.output-format",
            "A batch output file has one OpenAI-style line per input line.",
            "kimi-api.md §6: '⚠ UNCERTAIN: the line format of the output and error files is not "
            "documented'",
        ),
        # --- account limits (the emulator's answers) -----------------------------------
        _doc(
            "account.quota-429",
            "Inference with no balance left gets 429 exceeded_current_quota_error.",
            f"kimi-api.md §4, §8 {_ERRORS} (2026)",
            "429 exceeded_current_quota_error ... please check your account balance",
        ),
        _cap(
            "account.rate-limit-429",
            "Over the tier's concurrency or RPM gets 429 rate_limit_reached_error with "
            "Retry-After.",
            f"kimi-api.md §8, {_PROBES}",
            "429 rate_limit_reached_error: Retry-After: 1, X-Retry-After: 1, "
            "Msh-Cooldown-Seconds: 1",
        ),
        _inferred(
            "request.size-limit",
            "A request body over 2,097,152 bytes gets 400.",
            "kimi-api.md §8: 'total message size N exceeds limit 2097152' seen on the Kimi "
            "Code gateway only",
        ),
        _inferred(
            "request.unknown-route",
            "A path or method the API does not have gets 404 (405 for a known path).",
            "OpenAI's behaviour; not documented by Moonshot",
        ),
        _inferred(
            "listing.parameters",
            "A listing's limit/after/order outside what it takes gets 400.",
            "OpenAI's behaviour; Moonshot documents limit and after for batches only",
        ),
        _doc(
            "files.content-purpose",
            "GET /files/{id}/content serves file-extract (and batch result) files only.",
            f"kimi-api.md §5 ({_OPENAPI}: 'only for file-extract')",
            "text/plain (Extracted file content as plain text; only for file-extract)",
        ),
        # --- our own hygiene (not about the API's answers) ----------------------------
        _advice(
            "key.from-environment",
            "The API key is read from MOONSHOT_API_KEY, never written into files.",
            "kimi-api.md §1: every doc reads the key from MOONSHOT_API_KEY; keys are secrets",
            "Env var used in docs: MOONSHOT_API_KEY",
        ),
        _cap(
            "model.retired-404",
            "A retired model ID (moonshot-v1-*, kimi-k2.5, kimi-k2-*, kimi-latest) gets 404.",
            "kimi-api.md §0, §2, §8 (jkjk02/kimi-probe; app logs, 2026)",
            "Not found the model kimi-k2.5 or Permission denied",
        ),
    ]
)


def rule(rule_id: str) -> Rule:
    """The rule `rule_id`; a `KeyError` naming the known ids for one that is not registered."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"no rule {rule_id!r} in conformance.contract.evidence.RULES") from None


def fails_run(rule_id: str) -> bool:
    """Whether breaking `rule_id` fails a run (documented or captured)."""
    return rule(rule_id).fails_run


def by_level() -> dict[Level, list[Rule]]:
    """The rules grouped by level, in `LEVELS` order."""
    groups: dict[Level, list[Rule]] = {level: [] for level in LEVELS}
    for item in RULES.values():
        groups[item.level].append(item)
    return groups
