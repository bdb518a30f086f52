"""The demo processes: あおば市's five, three other municipalities' own versions of the same
procedures (so the prefecture's comparison shows differences), one candidate made into a 課題;
idempotent, in a fixed number of statements."""

import pytest
from django.contrib.auth import get_user_model

from chiikidx.challenges.models import Challenge, Process, ProcessStep
from chiikidx.challenges.processes import analysis, demo, queries
from chiikidx.core import audit
from chiikidx.core import demo as core_demo
from chiikidx.core.models import Organization

from ..plans.sample import admin_of

pytestmark = pytest.mark.django_db

SPEC = core_demo.DemoSpec(prefix="98", name="つばさ県", kana="つばさけん", user_prefix="t-")


def test_demo_processes(django_assert_max_num_queries):
    orgs = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
    # as `bootstrap --demo` runs it (audit entries written together at the end): 3 reads, per
    # organization (4) a bulk insert of its processes and one of their steps, then the 課題
    # (about 15 statements of the challenges' services), then the audit entries
    with django_assert_max_num_queries(30), audit.batched():
        demo.extend(SPEC, orgs)
    counts = (Process.objects.count(), ProcessStep.objects.count(), Challenge.objects.count())
    with django_assert_max_num_queries(8):
        demo.extend(SPEC, orgs)  # nothing left to do
    assert (Process.objects.count(), ProcessStep.objects.count(), Challenge.objects.count()) == (
        counts
    )
    aoba = orgs[core_demo.code(SPEC, "201")]
    pairs = queries.with_data(queries.processes_of(aoba, admin_of(aoba)))
    assert sorted(p.name for p, _d in pairs) == sorted(
        [
            "転入届",
            "住民票の写しの交付",
            "児童手当の認定請求",
            "介護保険の要介護認定申請",
            "道路占用許可",
        ]
    )
    assert all(p.department_id and p.annual_volume and d.steps for p, d in pairs)
    data = [d for _p, d in pairs]
    # every kind of candidate shows, and steps are shared across the processes
    kinds = {c.kind for c in analysis.all_candidates(data)}
    assert kinds == {"paper_transcription", "rekeying", "handwriting", "in_person_only"}
    shared = {s.key for s in analysis.shared_steps(data)}
    assert "本人確認書類確認" in shared and "申請書受付" in shared
    # the 課題 made from the paper 転記 of 転入届
    (made,) = Challenge.objects.filter(organization=aoba)
    assert made.title == "転入届の紙の申請書からの転記をなくす"
    assert made.created_by == get_user_model().objects.get(username="t-muni-admin-1")
    assert made.source_step.process.name == "転入届"


def test_the_demo_comparison_shows_differences(user_named):
    orgs = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
    demo.extend(SPEC, orgs)
    prefecture = orgs[core_demo.code(SPEC, "000")]
    names = dict(queries.common_names(user_named("t-pref-admin"), prefecture))
    assert names == {
        "転入届": 4,
        "住民票の写しの交付": 3,
        "児童手当の認定請求": 3,
        "介護保険の要介護認定申請": 1,
        "道路占用許可": 1,
    }
    pairs = queries.compared(user_named("t-pref-admin"), prefecture, "転入届")
    found = analysis.compare([d for _p, d in pairs])
    staff = [f.staff_minutes for _p, f in found.columns]
    assert len(set(staff)) == 4  # each municipality does it its own way
    rows = {r.step_type: r for r in found.rows}
    assert rows["receive"].present == 4 and rows["approve"].digital_model
    assert any(s.key == "本人確認書類確認" for s in found.shared)
