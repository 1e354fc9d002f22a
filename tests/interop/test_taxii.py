"""TAXII 2.1 interoperability: the ecosystem's own clients against a real `phalanx serve`.

Uses taxii2-client (the OASIS client) for every endpoint, stix2's TAXIICollectionSource/Sink
for the high-level path, raw `requests` where headers and status codes matter, and
stix2-validator on every object the node returns.
"""
import json
import tempfile
import uuid

import pytest
import requests
import stix2
from stix2 import Filter, TAXIICollectionSink, TAXIICollectionSource
from stix2validator import ValidationOptions, validate_instance
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Collection, Server, Status, as_pages

from conftest import TAXII, BearerAuth, Node

VALIDATION = ValidationOptions(version="2.1", strict=False)


def indicator(n, **extra):
    return stix2.Indicator(
        pattern=f"[ipv4-addr:value = '198.51.{n // 256 % 256}.{n % 256}']",
        pattern_type="stix",
        valid_from="2024-01-01T00:00:00Z",
        name=f"interop indicator {n}",
        allow_custom=True,
        **extra,
    )


def envelope(objects):
    return json.dumps({"objects": [json.loads(o.serialize()) if hasattr(o, "serialize") else o for o in objects]})


def assert_valid(objects):
    for obj in objects:
        result = validate_instance(obj, VALIDATION)
        assert result.is_valid, (obj, [str(e) for e in result.errors])


@pytest.fixture()
def fresh():
    with tempfile.TemporaryDirectory(prefix="phalanx-interop-") as tmp:
        n = Node(tmp)
        try:
            yield n
        finally:
            n.stop()


def collection(node, auth=None):
    return Collection(node.collection_url, auth=auth or node.admin)


# ------------------------------------------------------------------ discovery and roots

def test_discovery_api_root_and_collections(node):
    server = Server(node.discovery, auth=node.admin)
    assert server.title
    assert server.default.url.endswith("/api/")
    assert [r.url for r in server.api_roots] == [node.url("api/")]
    root = server.api_roots[0]
    assert "application/taxii+json;version=2.1" in root.versions
    assert root.max_content_length > 0
    [coll] = root.collections
    assert coll.alias == "default"
    assert coll.can_read and coll.can_write
    assert coll.media_types == ["application/stix+json;version=2.1"]
    same = Collection(node.url(f"api/collections/{coll.id}/"), auth=node.admin)
    assert same.title == coll.title


def test_every_response_has_the_taxii_content_type(node):
    for path in ["taxii2/", "api/", "api/collections/", "api/collections/default/",
                 "api/collections/default/objects/", "api/collections/default/manifest/", "nope/"]:
        r = node.get(path)
        assert r.headers["Content-Type"] == TAXII, path


# ------------------------------------------------------------------ add, status, get

def test_add_objects_status_and_get(node):
    coll = collection(node)
    objs = [indicator(i) for i in range(5)]
    status = coll.add_objects(envelope(objs))
    assert status.status == "complete"
    assert status.total_count == 5 and status.success_count == 5 and status.failure_count == 0
    assert {s["id"] for s in status.successes} == {o.id for o in objs}
    # the status stays queryable
    again = Status(node.url(f"api/status/{status.id}/"), auth=node.admin)
    assert again.success_count == 5
    fetched = coll.get_object(objs[0].id)
    assert fetched["objects"][0]["id"] == objs[0].id
    assert fetched["objects"][0] == json.loads(objs[0].serialize())
    assert_valid(fetched["objects"])


def test_invalid_objects_fail_while_valid_ones_are_stored(node):
    coll = collection(node)
    good = indicator(1000)
    bad_pattern = dict(json.loads(indicator(1001).serialize()), pattern="[ipv4-addr:value = '1.2.3.4'")
    bad_time = dict(json.loads(indicator(1002).serialize()), modified="yesterday")
    status = coll.add_objects(json.dumps({"objects": [bad_pattern, json.loads(good.serialize()), bad_time, 7]}))
    assert status.total_count == 4
    assert status.success_count == 1 and status.failure_count == 3
    messages = {f["id"]: f["message"] for f in status.failures}
    assert "pattern" in messages[bad_pattern["id"]]
    assert "modified" in messages[bad_time["id"]]
    assert coll.get_object(good.id)["objects"][0]["id"] == good.id


def test_exact_duplicate_is_not_an_error(node):
    coll = collection(node)
    obj = indicator(2000)
    for _ in range(2):
        status = coll.add_objects(envelope([obj]))
        assert status.success_count == 1 and status.failure_count == 0
    assert len(coll.object_versions(obj.id)["versions"]) == 1


# ------------------------------------------------------------------ paging and filters

def test_paging_returns_every_object_exactly_once(fresh):
    coll = collection(fresh)
    objs = [indicator(3000 + i) for i in range(53)]
    coll.add_objects(envelope(objs))
    seen = []
    pages = 0
    for page in as_pages(coll.get_objects, per_request=7):
        pages += 1
        seen.extend(o["id"] for o in page.get("objects", []))
    assert sorted(seen) == sorted(o.id for o in objs)
    assert pages == 8
    manifest_ids = []
    for page in as_pages(coll.get_manifest, per_request=10):
        manifest_ids.extend(r["id"] for r in page.get("objects", []))
    assert sorted(manifest_ids) == sorted(o.id for o in objs)


def test_added_after_headers_and_paging_by_timestamp(fresh):
    coll = collection(fresh)
    objs = [indicator(4000 + i) for i in range(10)]
    coll.add_objects(envelope(objs))
    r = fresh.get("api/collections/default/objects/?limit=4")
    assert r.status_code == 200
    first, last = r.headers["X-TAXII-Date-Added-First"], r.headers["X-TAXII-Date-Added-Last"]
    assert first <= last and len(last) == len("2024-01-01T00:00:00.000000Z")
    body = r.json()
    assert body["more"] is True and len(body["objects"]) == 4
    rest = fresh.get(f"api/collections/default/objects/?added_after={last}").json()
    assert len(rest["objects"]) == 6
    assert not {o["id"] for o in rest["objects"]} & {o["id"] for o in body["objects"]}


def test_match_filters(fresh):
    coll = collection(fresh)
    ind = indicator(5000)
    mal = stix2.Malware(name="Wiper", is_family=True)
    ip = stix2.IPv4Address(value="203.0.113.9")
    rel = stix2.Relationship(ind, "indicates", mal)
    coll.add_objects(envelope([ind, mal, ip, rel]))
    types = lambda **kw: sorted(o["type"] for o in coll.get_objects(**kw).get("objects", []))
    assert types(type="malware") == ["malware"]
    assert types(type=["malware", "relationship"]) == ["malware", "relationship"]
    assert types(id=ip.id) == ["ipv4-addr"]
    assert types(id=[ind.id, mal.id]) == ["indicator", "malware"]
    assert types(spec_version="2.1") == ["indicator", "ipv4-addr", "malware", "relationship"]
    assert types(spec_version="2.0") == []
    assert types(type="indicator", id=mal.id) == []


def test_versions_and_match_version(fresh):
    coll = collection(fresh)
    v1 = indicator(6000)
    v2 = v1.new_version(name="second")
    v3 = v2.new_version(name="third")
    coll.add_objects(envelope([v1, v3, v2]))  # out of order on purpose
    versions = coll.object_versions(v1.id)["versions"]
    assert sorted(versions) == sorted(json.loads(v.serialize())["modified"] for v in (v1, v2, v3))
    names = lambda **kw: [o["name"] for o in coll.get_object(v1.id, **kw).get("objects", [])]
    assert names() == ["third"]                       # default: last
    assert names(version="first") == [v1.name]
    assert names(version="last") == ["third"]
    assert sorted(names(version="all")) == sorted([v1.name, "second", "third"])
    assert sorted(names(version=["first", "last"])) == sorted([v1.name, "third"])
    exact = json.loads(v2.serialize())["modified"]
    assert names(version=exact) == ["second"]
    manifest = coll.get_manifest(id=v1.id, version="all")["objects"]
    assert len(manifest) == 3
    assert all(r["media_type"] == "application/stix+json;version=2.1" for r in manifest)
    assert_valid(coll.get_objects(version="all")["objects"])


def test_delete_object(fresh):
    coll = collection(fresh)
    v1 = indicator(7000)
    v2 = v1.new_version(name="v2")
    keep = indicator(7001)
    coll.add_objects(envelope([v1, v2, keep]))
    # delete one version, then the rest
    coll.delete_object(v1.id, version="first")
    assert [o["name"] for o in coll.get_object(v1.id, version="all")["objects"]] == ["v2"]
    coll.delete_object(v1.id)
    with pytest.raises(requests.exceptions.HTTPError) as err:
        coll.get_object(v1.id)
    assert err.value.response.status_code == 404
    ids = [r["id"] for r in coll.get_manifest().get("objects", [])]
    assert v1.id not in ids and keep.id in ids


# ------------------------------------------------------------------ stix2 data store API

def test_stix2_taxii_collection_source_and_sink(fresh):
    coll = collection(fresh)
    sink = TAXIICollectionSink(coll)
    source = TAXIICollectionSource(coll)
    ind = indicator(8000)
    mal = stix2.Malware(name="Loader", is_family=False)
    sink.add([ind, mal])
    got = source.get(ind.id)
    assert got.id == ind.id and got.pattern == ind.pattern
    found = source.query([Filter("type", "=", "malware")])
    assert [m.id for m in found] == [mal.id]
    assert len(source.all_versions(ind.id)) == 1


# ------------------------------------------------------------------ errors and auth

def test_negotiation_and_body_errors(node):
    url = node.url("api/collections/default/objects/")
    r = requests.get(url, headers={"Accept": "application/taxii+json;version=2.0"}, auth=node.admin)
    assert r.status_code == 406 and r.json()["http_status"] == "406"
    r = requests.get(url, headers={"Accept": "text/html"}, auth=node.admin)
    assert r.status_code == 406
    r = requests.post(url, data="{}", headers={"Accept": TAXII, "Content-Type": "application/json"}, auth=node.admin)
    assert r.status_code == 415
    r = requests.post(url, data="{\"objects\": [", headers={"Accept": TAXII, "Content-Type": TAXII}, auth=node.admin)
    assert r.status_code == 400 and "JSON" in r.json()["description"]
    r = requests.post(url, data=b"\xff\xfe", headers={"Accept": TAXII, "Content-Type": TAXII}, auth=node.admin)
    assert r.status_code == 400 and "UTF-8" in r.json()["description"]
    max_len = node.get("api/").json()["max_content_length"]
    r = requests.post(url, data=b" " * (max_len + 1), headers={"Accept": TAXII, "Content-Type": TAXII}, auth=node.admin)
    assert r.status_code == 413
    for bad in ["limit=0", "added_after=never", "match[version]=all,first", "next=bogus"]:
        r = node.get(f"api/collections/default/objects/?{bad}")
        assert r.status_code == 400, bad
        assert r.json()["description"]
    assert node.get("api/collections/default/objects/not-an-id/").status_code == 400
    assert node.get(f"api/status/{uuid.uuid4()}/").status_code == 404
    assert node.get("api/collections/nope/").status_code == 404


def test_authentication_and_authorisation(node):
    url = node.url("api/collections/default/objects/")
    r = requests.get(url, headers={"Accept": TAXII})
    assert r.status_code == 401 and "Basic" in r.headers["WWW-Authenticate"]
    assert requests.get(url, headers={"Accept": TAXII}, auth=BearerAuth("phx_wrong")).status_code == 401
    # a reader with a password, a writer with a key, an outsider with nothing
    node.cli("principal", "add", "reader", "--password-stdin", "--read", "default", stdin="s3cret\n")
    node.cli("principal", "add", "writer", "--write", "default")
    node.cli("principal", "add", "outsider")
    writer_key = node.cli("key", "create", "writer").stdout.strip().split()[-1]
    outsider_key = node.cli("key", "create", "outsider").stdout.strip().split()[-1]
    reader = ("reader", "s3cret")
    assert requests.get(url, headers={"Accept": TAXII}, auth=("reader", "wrong")).status_code == 401
    assert requests.get(url, headers={"Accept": TAXII}, auth=reader).status_code == 200
    post = lambda auth: requests.post(url, data=envelope([indicator(9000)]),
                                      headers={"Accept": TAXII, "Content-Type": TAXII}, auth=auth)
    assert post(reader).status_code == 403
    assert post(BearerAuth(writer_key)).status_code == 202
    assert requests.get(url, headers={"Accept": TAXII}, auth=BearerAuth(writer_key)).status_code == 403
    outsider = BearerAuth(outsider_key)
    assert requests.get(node.url("api/collections/default/"), headers={"Accept": TAXII}, auth=outsider).status_code == 404
    assert requests.get(node.url("api/collections/"), headers={"Accept": TAXII}, auth=outsider).json() == {}
    # DELETE needs both rights (TAXII 2.1 §5.7)
    target = indicator(9001)
    collection(node).add_objects(envelope([target]))
    del_url = url + target.id + "/"
    assert requests.delete(del_url, headers={"Accept": TAXII}, auth=reader).status_code == 403
    assert requests.delete(del_url, headers={"Accept": TAXII}, auth=BearerAuth(writer_key)).status_code == 403
    assert requests.delete(del_url, headers={"Accept": TAXII}, auth=outsider).status_code == 404
    # taxii2-client sees the rights through can_read/can_write
    coll = Collection(node.collection_url, user="reader", password="s3cret")
    assert coll.can_read and not coll.can_write
    with pytest.raises(TAXIIServiceException):
        coll.add_objects(envelope([indicator(9002)]))


def test_everything_returned_passes_stix2_validator(node):
    coll = collection(node)
    coll.add_objects(envelope([
        stix2.ThreatActor(name="APT-X", threat_actor_types=["nation-state"]),
        stix2.DomainName(value="evil.example"),
        stix2.File(hashes={"SHA-256": "a" * 64}, name="x.exe"),
        stix2.Identity(name="CSIRT", identity_class="organization"),
    ]))
    objects = []
    for page in as_pages(coll.get_objects, per_request=50, version="all"):
        objects.extend(page.get("objects", []))
    assert len(objects) >= 4
    assert_valid(objects)
