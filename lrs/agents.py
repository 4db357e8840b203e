"""Identity of agents and groups: the keys statements are indexed and documents stored by."""

from typing import Any


def ifi_key(actor: dict) -> str | None:
    """The inverse functional identifier of an agent or identified group, as one string."""
    if "mbox" in actor:
        return f"mbox:{actor['mbox']}"
    if "mbox_sha1sum" in actor:
        return f"mbox_sha1sum:{actor['mbox_sha1sum'].lower()}"
    if "openid" in actor:
        return f"openid:{actor['openid']}"
    if "account" in actor:
        account = actor["account"]
        return f"account:{account['homePage']}|{account['name']}"
    return None


def actor_key(actor: dict) -> str | None:
    """Agents and groups are the same only with the same identifier and the same objectType."""
    ifi = ifi_key(actor)
    if ifi is None:
        return None
    return f"{actor.get('objectType', 'Agent')}|{ifi}"


def actors_in(actor: Any) -> list[dict]:
    """The actor itself and, for a group, its members."""
    if not isinstance(actor, dict):
        return []
    found = [actor]
    if actor.get("objectType") == "Group":
        found.extend(m for m in actor.get("member", []) if isinstance(m, dict))
    return found


def ids_only(actor: dict) -> dict:
    """An agent or group reduced to what identifies it (format=ids)."""
    reduced: dict = {}
    if "objectType" in actor:
        reduced["objectType"] = actor["objectType"]
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in actor:
            reduced[key] = actor[key]
            break
    if actor.get("objectType") == "Group" and "member" in actor and ifi_key(actor) is None:
        reduced["member"] = [ids_only(m) for m in actor["member"]]
    return reduced
