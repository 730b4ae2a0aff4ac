"""How workers, leases, retries and the browser's waits are tuned (RPA_LEASE_SECONDS, ...), part of
`rpa.settings.Settings`: every number here must be positive and finite (NaN and infinity are
refused), and a worker's heartbeat must come before its lease runs out.

    >>> TuningSettings(lease_seconds=60, heartbeat_seconds=120)   # ValidationError naming both
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationInfo, field_validator


class TuningSettings(BaseModel):
    """Leases, heartbeats, retries, the circuit breaker, and the browser's timeouts."""

    # the browser's waits, in milliseconds
    navigation_timeout_ms: int = Field(default=15_000, ge=1)
    action_timeout_ms: int = Field(default=5_000, ge=1)
    answer_timeout_ms: int = Field(default=20_000, ge=1)

    # work queue and workers: a claimed item's lease, renewed every heartbeat while it is worked
    lease_seconds: float = Field(default=60.0, gt=0, allow_inf_nan=False)
    heartbeat_seconds: float = Field(default=10.0, gt=0, allow_inf_nan=False, validate_default=True)
    max_attempts: int = Field(default=4, ge=1)
    backoff_base_seconds: float = Field(default=2.0, ge=0, allow_inf_nan=False)
    backoff_max_seconds: float = Field(default=120.0, ge=0, allow_inf_nan=False)
    circuit_breaker_threshold: int = Field(default=8, ge=1)

    @field_validator("heartbeat_seconds")
    @classmethod
    def _beat_within_lease(cls, value: float, info: ValidationInfo) -> float:
        lease = info.data.get("lease_seconds")
        if lease is not None and value >= lease:
            raise ValueError(
                f"应小于 RPA_LEASE_SECONDS（{lease:g} 秒）：工作进程须在租约到期前续约，"
                "请调小它或调大 RPA_LEASE_SECONDS"
            )
        return value
