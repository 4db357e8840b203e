import json

import pytest

pytestmark = pytest.mark.django_db

AGENT = json.dumps({"mbox": "mailto:ada@example.com"})
ACTIVITY = "http://example.com/activities/one"


def test_state_put_post_merges_json_get_and_delete(xapi):
    params = f"activityId={ACTIVITY}&agent={AGENT}&stateId=progress"

    assert xapi.put(f"activities/state?{params}", {"a": 1, "b": {"x": 1}}).status_code == 204
    assert xapi.post(f"activities/state?{params}", {"b": {"y": 2}, "c": 3}).status_code == 204
    got = xapi.get(f"activities/state?{params}")
    listing = xapi.get(f"activities/state?activityId={ACTIVITY}&agent={AGENT}")

    assert got.json() == {"a": 1, "b": {"y": 2}, "c": 3}
    assert got["ETag"].startswith('"') and len(got["ETag"]) == 42
    assert listing.json() == ["progress"]
    assert xapi.delete(f"activities/state?{params}").status_code == 204
    assert xapi.get(f"activities/state?{params}").status_code == 404


def test_posting_a_non_object_onto_json_is_refused(xapi):
    params = f"activityId={ACTIVITY}&agent={AGENT}&stateId=s"
    xapi.put(f"activities/state?{params}", {"a": 1})

    response = xapi.post(f"activities/state?{params}", "plain", content_type="text/plain")

    assert response.status_code == 400
    assert xapi.get(f"activities/state?{params}").json() == {"a": 1}


def test_profiles_use_etags_for_optimistic_concurrency(xapi):
    url = f"activities/profile?activityId={ACTIVITY}&profileId=p"

    assert xapi.put(url, {"v": 1}).status_code == 400  # neither If-Match nor If-None-Match
    assert xapi.put(url, {"v": 1}, HTTP_IF_NONE_MATCH="*").status_code == 204
    etag = xapi.get(url)["ETag"]
    assert xapi.put(url, {"v": 2}).status_code == 409
    assert xapi.put(url, {"v": 2}, HTTP_IF_NONE_MATCH="*").status_code == 412
    assert xapi.put(url, {"v": 2}, HTTP_IF_MATCH='"0000"').status_code == 412
    assert xapi.put(url, {"v": 2}, HTTP_IF_MATCH=etag).status_code == 204
    assert xapi.get(url).json() == {"v": 2}


def test_agent_profile_agents_activities_and_about(xapi):
    url = f"agents/profile?agent={AGENT}&profileId=prefs"
    xapi.put(url, {"theme": "dark"}, HTTP_IF_NONE_MATCH="*")
    xapi.post(
        "statements",
        {
            "actor": {"mbox": "mailto:ada@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": ACTIVITY, "definition": {"name": {"en-US": "One"}}},
        },
    )

    assert xapi.get(url).json() == {"theme": "dark"}
    assert xapi.get(f"agents?agent={AGENT}").json() == {
        "objectType": "Person",
        "mbox": ["mailto:ada@example.com"],
    }
    assert xapi.get(f"activities?activityId={ACTIVITY}").json() == {
        "objectType": "Activity",
        "id": ACTIVITY,
        "definition": {"name": {"en-US": "One"}},
    }
    assert "1.0.3" in xapi.get("about").json()["version"]
