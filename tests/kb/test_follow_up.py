"""Follow-ups on the previous question (policy_kb/follow_up.py, groups in follow_ups.yml)."""
from __future__ import annotations

import pytest

from policy_kb.follow_up import is_bare, is_follow_up, merge


@pytest.mark.parametrize("previous,text,merged", [
    ("今年高级职称几号截止", "那中级呢", "那中级呢，今年职称几号截止"),
    ("送审表要交几份", "评审表呢", "评审表呢，要交几份"),
    ("在苏木乡镇工作的硕士多久能认定中级", "那本科呢", "那本科呢，在苏木乡镇工作的多久能认定中级"),
    ("评审费多少钱", "啥时候交", "啥时候交，评审费多少钱"),
])
def test_the_follow_up_takes_the_place_of_its_kind(previous, text, merged):
    assert merge(previous, text) == merged


def test_what_counts_as_a_follow_up():
    assert is_follow_up("那中级呢") and is_follow_up("如果是2020年的") and is_follow_up("评审表呢？")
    assert not is_follow_up("本科毕业在民企干了6年能直接报中级吗")  # a question of its own
    assert not is_follow_up("送审表要交几份") and not is_follow_up("") and not is_follow_up("那个送审表交几份")
    assert is_bare("啥时候交") and is_bare("找谁") and not is_bare("送审表") and not is_bare("我想问一下评审费的事")
