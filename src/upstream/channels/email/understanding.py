"""Everything Upstream makes of one raw message, as a JSON-ready dict (`upstream mail parse --json`). Pure.

Each stage is guarded on its own, so a broken message still reports what could be read, plus the error.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from upstream.channels.email.bounces import parse_bounce
from upstream.channels.email.loops import classify
from upstream.channels.email.parsing import parse, to_json_dict


def understand(raw: bytes, *, own_addresses: tuple[str, ...] = ()) -> dict[str, Any]:
    errors: list[str] = []
    try:
        parsed = parse(raw)
    except Exception as exc:  # parse promises not to raise; report rather than crash if it ever does
        return {"error": f"could not parse: {type(exc).__name__}: {exc}", "size": len(raw)}
    report = to_json_dict(parsed)
    report["size"] = len(raw)
    report["machine_generated"] = {"value": False, "reasons": []}
    report["bounce"] = None
    if parsed.message is None:
        errors.append("the message structure could not be read")
    else:
        try:
            verdict = classify(parsed.message, own_addresses=own_addresses)
            report["machine_generated"] = {"value": verdict.machine, "reasons": list(verdict.reasons)}
            bounce = parse_bounce(parsed.message)
            if bounce is not None:
                report["bounce"] = {
                    "kind": bounce.kind,
                    "original_message_id": bounce.original_message_id,
                    "recipients": [asdict(recipient) for recipient in bounce.recipients],
                }
        except Exception as exc:
            errors.append(f"loop/bounce detection failed: {type(exc).__name__}: {exc}")
    report["error"] = "; ".join(errors) if errors else None
    return report
