"""HTML views: My learning, skill profiles and ratings, the matrices, cohorts.

Thin: they check who may see what through `org.access`, read with `selectors`,
write with `services`, and turn `ProgressError` into a message.
"""

from .cohorts import (
    cohort_csv,
    cohort_detail,
    cohort_edit,
    cohort_enrol,
    cohort_list,
    cohort_members,
    cohort_propose,
)
from .learning import learn, progress_update, self_assess
from .skills import (
    matrix,
    matrix_csv,
    matrix_role,
    person_rate,
    person_skills,
    team_enrol,
    team_heatmap,
    team_heatmap_csv,
)

__all__ = [
    "cohort_csv",
    "cohort_detail",
    "cohort_edit",
    "cohort_enrol",
    "cohort_list",
    "cohort_members",
    "cohort_propose",
    "learn",
    "matrix",
    "matrix_csv",
    "matrix_role",
    "person_rate",
    "person_skills",
    "progress_update",
    "self_assess",
    "team_enrol",
    "team_heatmap",
    "team_heatmap_csv",
]
