"""Validation of xAPI statements and of the agents and ids that requests carry.

Each check raises `BadRequest` with a message naming the property at fault. The rules are
those of the xAPI 1.0.3 data model (and 2.0.0 where it is stricter and the request says so).
"""

import re
from datetime import datetime
from typing import Any

from .exceptions import BadRequest

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
MBOX_RE = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
# RFC 5646 language tags (well-formed, not registry-checked).
LANG_RE = re.compile(
    r"^(?:(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"
    r"(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?"
    r"|[xX](?:-[A-Za-z0-9]{1,8})+"
    r"|i-default|i-klingon|en-GB-oed)$"
)
DURATION_RE = re.compile(
    r"^P(?:\d+(?:[.,]\d+)?W"
    r"|(?!$)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?)$"
)
TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)

INTERACTION_TYPES = {
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
}
COMPONENT_LISTS = {
    "choice": {"choices"},
    "sequencing": {"choices"},
    "likert": {"scale"},
    "matching": {"source", "target"},
    "performance": {"steps"},
}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"


def fail(path: str, reason: str) -> None:
    raise BadRequest(f"{path}: {reason}")


def check_object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        fail(path, "must be a JSON object")
    return value


def check_keys(value: dict, allowed: set[str], path: str, required: set[str] = frozenset()) -> None:
    extra = set(value) - allowed
    if extra:
        fail(path, f"unexpected properties {sorted(extra)}")
    missing = set(required) - set(value)
    if missing:
        fail(path, f"missing properties {sorted(missing)}")


def check_string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        fail(path, "must be a string")
    return value


def check_bool(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        fail(path, "must be true or false")


def check_number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(path, "must be a number")
    return value


def check_iri(value: Any, path: str) -> str:
    if not isinstance(value, str) or not IRI_RE.match(value):
        fail(path, "must be an IRI")
    return value


def check_uuid(value: Any, path: str) -> str:
    if not isinstance(value, str) or not UUID_RE.match(value):
        fail(path, "must be a UUID")
    return value


def check_language_map(value: Any, path: str) -> None:
    check_object(value, path)
    for tag, text in value.items():
        if not LANG_RE.match(tag):
            fail(path, f"{tag!r} is not a language tag")
        check_string(text, f"{path}.{tag}")


def check_extensions(value: Any, path: str) -> None:
    check_object(value, path)
    for key in value:
        check_iri(key, f"{path} key")


def parse_timestamp(value: Any, path: str, *, strict: bool = False) -> datetime:
    if not isinstance(value, str):
        fail(path, "must be an ISO 8601 timestamp")
    match = TIMESTAMP_RE.match(value)
    if not match:
        fail(path, "must be an ISO 8601 timestamp")
    zone = match.group(8)
    if zone in ("-00", "-0000", "-00:00"):
        fail(path, "the offset -00:00 is not allowed")
    if strict and zone is None:
        fail(path, "must have a time zone")
    text = value.replace("z", "Z").replace("t", "T")
    fraction = match.group(7)
    if fraction and len(fraction) > 6:
        text = text.replace("." + fraction, "." + fraction[:6])
    if zone is None:
        text += "+00:00"
    elif zone not in ("Z", "z") and ":" not in zone:
        fixed = zone if len(zone) == 5 else zone + "00"
        text = text[: -len(zone)] + fixed[:3] + ":" + fixed[3:]
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(path, "must be an ISO 8601 timestamp")
    return parsed


def check_agent(value: Any, path: str, *, allow_object_type: bool = True) -> dict:
    """An Agent (not a Group): exactly one inverse functional identifier."""
    check_object(value, path)
    allowed = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
    check_keys(value, allowed, path)
    if "objectType" in value and value["objectType"] != "Agent":
        fail(f"{path}.objectType", "must be 'Agent'")
    if "name" in value:
        check_string(value["name"], f"{path}.name")
    ifis = check_ifis(value, path)
    if len(ifis) != 1:
        fail(path, "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account")
    return value


def check_ifis(value: dict, path: str) -> list[str]:
    found = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in value]
    if "mbox" in value and not (isinstance(value["mbox"], str) and MBOX_RE.match(value["mbox"])):
        fail(f"{path}.mbox", "must be a mailto: IRI")
    sha1 = value.get("mbox_sha1sum")
    if "mbox_sha1sum" in value and not (isinstance(sha1, str) and SHA1_RE.match(sha1)):
        fail(f"{path}.mbox_sha1sum", "must be a SHA-1 hex digest")
    if "openid" in value:
        check_iri(value["openid"], f"{path}.openid")
    if "account" in value:
        account = check_object(value["account"], f"{path}.account")
        check_keys(account, {"homePage", "name"}, f"{path}.account", {"homePage", "name"})
        check_iri(account["homePage"], f"{path}.account.homePage")
        check_string(account["name"], f"{path}.account.name")
    return found


def check_group(value: dict, path: str) -> dict:
    allowed = {"objectType", "name", "member", "mbox", "mbox_sha1sum", "openid", "account"}
    check_keys(value, allowed, path)
    if "name" in value:
        check_string(value["name"], f"{path}.name")
    ifis = check_ifis(value, path)
    if len(ifis) > 1:
        fail(path, "a Group has at most one inverse functional identifier")
    if "member" in value:
        members = value["member"]
        if not isinstance(members, list):
            fail(f"{path}.member", "must be an array")
        for i, member in enumerate(members):
            check_agent(member, f"{path}.member[{i}]")
    if not ifis and not value.get("member"):
        fail(path, "an anonymous Group needs members")
    return value


def check_actor(value: Any, path: str) -> dict:
    check_object(value, path)
    if value.get("objectType") == "Group":
        return check_group(value, path)
    return check_agent(value, path)


def check_interaction_components(value: Any, path: str) -> None:
    if not isinstance(value, list):
        fail(path, "must be an array")
    seen = set()
    for i, component in enumerate(value):
        check_object(component, f"{path}[{i}]")
        check_keys(component, {"id", "description"}, f"{path}[{i}]", {"id"})
        check_string(component["id"], f"{path}[{i}].id")
        if component["id"] in seen:
            fail(f"{path}[{i}].id", "must be unique")
        seen.add(component["id"])
        if "description" in component:
            check_language_map(component["description"], f"{path}[{i}].description")


def check_definition(value: Any, path: str) -> None:
    check_object(value, path)
    lists = {"choices", "scale", "source", "target", "steps"}
    allowed = {
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
    } | lists
    check_keys(value, allowed, path)
    for key in ("name", "description"):
        if key in value:
            check_language_map(value[key], f"{path}.{key}")
    if "type" in value:
        check_iri(value["type"], f"{path}.type")
    if "moreInfo" in value:
        check_iri(value["moreInfo"], f"{path}.moreInfo")
    if "extensions" in value:
        check_extensions(value["extensions"], f"{path}.extensions")
    interaction = value.get("interactionType")
    if "interactionType" in value and (
        not isinstance(interaction, str) or interaction not in INTERACTION_TYPES
    ):
        fail(f"{path}.interactionType", "is not an xAPI interaction type")
    if "correctResponsesPattern" in value:
        if interaction is None:
            fail(path, "correctResponsesPattern needs interactionType")
        pattern = value["correctResponsesPattern"]
        if not isinstance(pattern, list):
            fail(f"{path}.correctResponsesPattern", "must be an array")
        for i, item in enumerate(pattern):
            check_string(item, f"{path}.correctResponsesPattern[{i}]")
    present = lists & set(value)
    if present:
        if interaction is None:
            fail(path, "interaction components need interactionType")
        if not present <= COMPONENT_LISTS.get(interaction, set()):
            fail(path, f"{sorted(present)} do not belong to interactionType {interaction}")
        for key in present:
            check_interaction_components(value[key], f"{path}.{key}")


def check_activity(value: Any, path: str) -> dict:
    check_object(value, path)
    check_keys(value, {"objectType", "id", "definition"}, path, {"id"})
    if "objectType" in value and value["objectType"] != "Activity":
        fail(f"{path}.objectType", "must be 'Activity'")
    check_iri(value["id"], f"{path}.id")
    if "definition" in value:
        check_definition(value["definition"], f"{path}.definition")
    return value


def check_statement_ref(value: Any, path: str) -> dict:
    check_object(value, path)
    check_keys(value, {"objectType", "id"}, path, {"objectType", "id"})
    if value["objectType"] != "StatementRef":
        fail(f"{path}.objectType", "must be 'StatementRef'")
    check_uuid(value["id"], f"{path}.id")
    return value


def check_verb(value: Any, path: str) -> dict:
    check_object(value, path)
    check_keys(value, {"id", "display"}, path, {"id"})
    check_iri(value["id"], f"{path}.id")
    if "display" in value:
        check_language_map(value["display"], f"{path}.display")
    return value


def check_result(value: Any, path: str) -> None:
    check_object(value, path)
    allowed = {"score", "success", "completion", "response", "duration", "extensions"}
    check_keys(value, allowed, path)
    if "score" in value:
        score = check_object(value["score"], f"{path}.score")
        check_keys(score, {"scaled", "raw", "min", "max"}, f"{path}.score")
        for key in score:
            check_number(score[key], f"{path}.score.{key}")
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            fail(f"{path}.score.scaled", "must be between -1 and 1")
        if "min" in score and "max" in score and score["min"] >= score["max"]:
            fail(f"{path}.score", "min must be less than max")
        if "raw" in score:
            if "min" in score and score["raw"] < score["min"]:
                fail(f"{path}.score.raw", "must not be below min")
            if "max" in score and score["raw"] > score["max"]:
                fail(f"{path}.score.raw", "must not be above max")
    for key in ("success", "completion"):
        if key in value:
            check_bool(value[key], f"{path}.{key}")
    if "response" in value:
        check_string(value["response"], f"{path}.response")
    if "duration" in value:
        duration = value["duration"]
        if not isinstance(duration, str) or not DURATION_RE.match(duration):
            fail(f"{path}.duration", "must be an ISO 8601 duration")
    if "extensions" in value:
        check_extensions(value["extensions"], f"{path}.extensions")


def check_context_members(value: Any, path: str, key: str) -> None:
    """xAPI 2.0 contextAgents / contextGroups: typed agents or groups with relevant types."""
    kind, member = (
        ("contextAgent", "agent") if key == "contextAgents" else ("contextGroup", "group")
    )
    if not isinstance(value, list):
        fail(path, "must be an array")
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        check_object(item, where)
        check_keys(item, {"objectType", member, "relevantTypes"}, where, {"objectType", member})
        if item["objectType"] != kind:
            fail(f"{where}.objectType", f"must be {kind!r}")
        if member == "agent":
            check_agent(item[member], f"{where}.agent")
        else:
            group = check_object(item[member], f"{where}.group")
            if group.get("objectType") != "Group":
                fail(f"{where}.group", "must be a Group")
            check_group(group, f"{where}.group")
        if "relevantTypes" in item:
            types = item["relevantTypes"]
            if not isinstance(types, list) or not types:
                fail(f"{where}.relevantTypes", "must be a non-empty array of IRIs")
            for n, iri in enumerate(types):
                check_iri(iri, f"{where}.relevantTypes[{n}]")


def check_context(value: Any, path: str, object_type: str, *, strict: bool = False) -> None:
    check_object(value, path)
    allowed = {
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    }
    if strict:
        allowed |= {"contextAgents", "contextGroups"}
    check_keys(value, allowed, path)
    for key in ("contextAgents", "contextGroups"):
        if key in value:
            check_context_members(value[key], f"{path}.{key}", key)
    if "registration" in value:
        check_uuid(value["registration"], f"{path}.registration")
    if "instructor" in value:
        check_actor(value["instructor"], f"{path}.instructor")
    if "team" in value:
        team = check_object(value["team"], f"{path}.team")
        if team.get("objectType") != "Group":
            fail(f"{path}.team", "must be a Group")
        check_group(team, f"{path}.team")
    if "contextActivities" in value:
        activities = check_object(value["contextActivities"], f"{path}.contextActivities")
        check_keys(
            activities, {"parent", "grouping", "category", "other"}, f"{path}.contextActivities"
        )
        for key, item in activities.items():
            items = item if isinstance(item, list) else [item]
            for i, activity in enumerate(items):
                check_activity(activity, f"{path}.contextActivities.{key}[{i}]")
    for key in ("revision", "platform"):
        if key in value:
            check_string(value[key], f"{path}.{key}")
            if object_type != "Activity":
                fail(f"{path}.{key}", "is only allowed when the object is an Activity")
    language = value.get("language")
    if "language" in value and not (isinstance(language, str) and LANG_RE.match(language)):
        fail(f"{path}.language", "must be a language tag")
    if "statement" in value:
        check_statement_ref(value["statement"], f"{path}.statement")
    if "extensions" in value:
        check_extensions(value["extensions"], f"{path}.extensions")


def check_attachments(value: Any, path: str) -> None:
    if not isinstance(value, list):
        fail(path, "must be an array")
    allowed = {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}
    required = {"usageType", "display", "contentType", "length", "sha2"}
    for i, attachment in enumerate(value):
        where = f"{path}[{i}]"
        check_object(attachment, where)
        check_keys(attachment, allowed, where, required)
        check_iri(attachment["usageType"], f"{where}.usageType")
        check_language_map(attachment["display"], f"{where}.display")
        if "description" in attachment:
            check_language_map(attachment["description"], f"{where}.description")
        check_string(attachment["contentType"], f"{where}.contentType")
        length = attachment["length"]
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            fail(f"{where}.length", "must be a non-negative integer")
        check_string(attachment["sha2"], f"{where}.sha2")
        if "fileUrl" in attachment:
            check_iri(attachment["fileUrl"], f"{where}.fileUrl")


def object_type_of(value: dict) -> str:
    return value.get("objectType", "Activity")


def check_statement_object(value: Any, path: str, *, sub: bool, strict: bool = False) -> str:
    check_object(value, path)
    kind = object_type_of(value)
    if kind == "Activity":
        check_activity(value, path)
    elif kind == "Agent":
        check_agent(value, path)
    elif kind == "Group":
        check_group(value, path)
    elif kind == "StatementRef":
        check_statement_ref(value, path)
    elif kind == "SubStatement" and not sub:
        check_keys(
            value,
            {
                "objectType",
                "actor",
                "verb",
                "object",
                "result",
                "context",
                "timestamp",
                "attachments",
            },
            path,
            {"actor", "verb", "object"},
        )
        check_body(value, path, sub=True, strict=strict)
    else:
        fail(f"{path}.objectType", f"{kind!r} is not allowed here")
    return kind


def check_body(value: dict, path: str, *, sub: bool, strict: bool = False) -> None:
    prefix = f"{path}." if path else ""
    check_actor(value["actor"], f"{prefix}actor")
    check_verb(value["verb"], f"{prefix}verb")
    kind = check_statement_object(value["object"], f"{prefix}object", sub=sub, strict=strict)
    if value["verb"]["id"] == VOIDED and not sub and kind != "StatementRef":
        fail(f"{prefix}object", "a voiding statement targets a StatementRef")
    if "result" in value:
        check_result(value["result"], f"{prefix}result")
    if "context" in value:
        check_context(value["context"], f"{prefix}context", kind, strict=strict)
    if "timestamp" in value:
        parse_timestamp(value["timestamp"], f"{prefix}timestamp", strict=strict)
    if "attachments" in value:
        check_attachments(value["attachments"], f"{prefix}attachments")


def check_statement(value: Any, *, version: str = "1.0.3") -> dict:
    """Validate one statement as received by the Statement resource."""
    check_object(value, "statement")
    allowed = {
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
        "stored",
        "authority",
        "version",
        "attachments",
    }
    check_keys(value, allowed, "statement", {"actor", "verb", "object"})
    strict = version.startswith("2.")
    if "id" in value:
        check_uuid(value["id"], "id")
    check_body(value, "", sub=False, strict=strict)
    if "stored" in value:
        parse_timestamp(value["stored"], "stored")
    if "authority" in value:
        authority = check_actor(value["authority"], "authority")
        if authority.get("objectType") == "Group":
            # Only OAuth names a group as authority: anonymous, the application's account
            # and the user.
            members = authority.get("member", [])
            if (
                check_ifis(authority, "authority")
                or len(members) != 2
                or not any("account" in m for m in members)
            ):
                fail("authority", "a Group authority is an anonymous OAuth pair of agents")
    if "version" in value:
        stated = value["version"]
        if not isinstance(stated, str) or not re.match(r"^(1\.0(\.\d+)?|2\.0(\.\d+)?)$", stated):
            fail("version", "must be a 1.0.x or 2.0.x version")
        if stated.startswith("2.") and not strict:
            fail("version", "must be a 1.0.x version")
    return value


def check_agent_param(text: str | None, name: str = "agent") -> dict:
    """Parse and validate an Agent (or identified Group) given as a JSON query parameter."""
    import json

    if text is None:
        fail(name, "is required")
    try:
        value = json.loads(text)
    except ValueError:
        fail(name, "must be JSON")
    check_actor(value, name)
    return value
