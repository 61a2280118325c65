"""`GET /users/me/balance` and `POST /tokenizers/estimate-token-count` (kimi-api.md §4, §7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.contract.catalog import ModelInfo
from conformance.emulator import tokens
from conformance.emulator.chat import invalid, not_found
from conformance.emulator.http import ApiError

__all__ = ["Balance", "estimate_tokens", "insufficient_balance"]


@dataclass(frozen=True)
class Balance:
    """Cash and voucher balance; `available` follows the documented arithmetic."""

    cash: float = 3.00001
    voucher: float = 46.58893

    def __post_init__(self) -> None:
        if self.voucher < 0:
            raise ValueError("voucher balance cannot be negative (kimi-api.md §4)")

    @classmethod
    def empty(cls) -> Balance:
        """No money at all: every inference request gets the documented 429
        `exceeded_current_quota_error` (kimi-api.md §8, 2026 docs)."""
        return cls(cash=0.0, voucher=0.0)

    @property
    def available(self) -> float:
        return self.cash + self.voucher if self.cash >= 0 else self.voucher

    def charged(self, amount: float) -> Balance:
        """The balance after paying `amount`: vouchers first (they "cannot be negative"),
        then cash, which "can be negative, indicating that the user owes money" (§4).
        ⚠ The order is not documented; vouchers first keeps `available` falling steadily."""
        from_voucher = min(self.voucher, max(amount, 0.0))
        return Balance(
            cash=self.cash - (amount - from_voucher), voucher=self.voucher - from_voucher
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "code": 0,
            "data": {
                "available_balance": round(self.available, 8),
                "voucher_balance": round(self.voucher, 8),
                "cash_balance": round(self.cash, 8),
            },
            "scode": "0x0",
            "status": True,
        }


def insufficient_balance() -> ApiError:
    return ApiError(
        429,
        "exceeded_current_quota_error",
        "Your account is suspended due to insufficient balance, please recharge your account "
        "or check your plan and billing details",
        rule="account.quota-429",
    )


def estimate_tokens(body: Any, models: Mapping[str, ModelInfo]) -> tuple[dict[str, Any], int]:
    """The documented `{"data": {"total_tokens": N}}` and N; same count as chat's prompt."""
    if not isinstance(body, dict):
        raise invalid(
            "Invalid request: the request body must be a JSON object", rule="request.invalid-400"
        )
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid("Invalid request: model is required", rule="request.invalid-400")
    if model not in models:
        raise not_found(model)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise invalid("Invalid request: messages must not be empty", rule="chat.messages-not-empty")
    tools = body.get("tools") if isinstance(body.get("tools"), list) else None
    total = tokens.count_prompt(messages, tools)
    return {"data": {"total_tokens": total}}, total
