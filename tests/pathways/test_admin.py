from pathways.models import Pathway
from tests.factories import UserFactory


def test_admin_shows_the_curriculum_and_keeps_published_versions_read_only(client, catalogue):
    client.force_login(UserFactory(personas=["admin"], is_staff=True, is_superuser=True))
    pathway = Pathway.objects.get(slug="sre")
    module = pathway.modules.first()
    for url in [
        "/admin/pathways/role/",
        "/admin/pathways/skill/",
        "/admin/pathways/pathway/",
        "/admin/pathways/certification/",
        "/admin/pathways/capstone/",
        f"/admin/pathways/pathway/{pathway.pk}/change/",
        f"/admin/pathways/module/{module.pk}/change/",
    ]:
        assert client.get(url).status_code == 200, url

    response = client.post(
        f"/admin/pathways/pathway/{pathway.pk}/change/", {"title": "Changed in admin"}
    )

    assert response.status_code == 403
    pathway.refresh_from_db()
    assert pathway.title == "SRE for AI systems"
