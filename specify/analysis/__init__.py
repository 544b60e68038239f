"""Offline, deterministic checks across a feature's spec, plan, tasks and the constitution."""

from specify.analysis.findings import Finding, Report
from specify.analysis.service import analyze, analyze_feature

__all__ = ["Finding", "Report", "analyze", "analyze_feature"]
