"""Features: numbering, slugs, branch names, creation, listing and the next stage to run.

Public API::

    create_feature(root, NewFeatureRequest("Add login"))   # folder, spec.md, branch
    list_features(root)                                    # FeatureSummary per folder
    use_feature(root, "003")                               # writes .specify/feature.json
    check_feature(root, CheckRequest(require_tasks=True))  # spec-kit's check-prerequisites
    feature_status(folder), next_stage(...)                # what exists, what comes next
"""

from specify.features.catalog import FeatureSummary, list_features, use_feature
from specify.features.check import CheckRequest, check_feature
from specify.features.create import NewFeature, NewFeatureRequest, create_feature, plan_feature
from specify.features.slugs import Slug, slug_from_description
from specify.features.status import STAGES, FeatureStatus, feature_status, next_stage

__all__ = [
    "STAGES",
    "CheckRequest",
    "FeatureStatus",
    "FeatureSummary",
    "NewFeature",
    "NewFeatureRequest",
    "Slug",
    "check_feature",
    "create_feature",
    "feature_status",
    "list_features",
    "next_stage",
    "plan_feature",
    "slug_from_description",
    "use_feature",
]
