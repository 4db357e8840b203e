"""Cohort members put on a pathway that is not their role's train for that pathway's
role: their heatmap, at-risk status and gaps are judged against its matrix."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    CohortMember = apps.get_model("pathways", "CohortMember")
    Pathway = apps.get_model("pathways", "Pathway")
    pathway_role = Pathway.objects.filter(pk=OuterRef("pathway_id")).values("role_id")[:1]
    (
        CohortMember.objects.filter(pathway__role__isnull=False)
        .exclude(role_id=Subquery(pathway_role))
        .update(role_id=Subquery(pathway_role))
    )
    CohortMember.objects.filter(pathway__role__isnull=False, role__isnull=True).update(
        role_id=Subquery(pathway_role)
    )


class Migration(migrations.Migration):
    dependencies = [("pathways", "0103_merge_checklist_xapi_mappings")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
