"""``analyse``: the contract other apps code against, and its robustness."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.tickets.models import Emotion, TicketType, Urgency
from hotline.triage import analyse
from hotline.triage.engine import TriageResult

# The ticket's own choices: triage suggests nothing else.
TYPES, URGENCIES, EMOTIONS = TicketType.values, Urgency.values, Emotion.values
PREDICT_FIELDS = {
    "label",
    "type",
    "topic",
    "urgency",
    "emotion",
    "valid",
    "invalid_reason",
    "police",
    "places",
    "confidence",
    "explain",
}


def check_contract(r: TriageResult) -> None:
    assert isinstance(r, TriageResult)
    assert r.type in TYPES
    assert r.urgency in URGENCIES
    assert r.emotion in EMOTIONS
    assert isinstance(r.valid, bool) and isinstance(r.police, bool)
    assert isinstance(r.topic, str) and isinstance(r.invalid_reason, str)
    assert isinstance(r.places, list)
    assert 0.0 <= r.confidence <= 1.0
    d = r.to_dict()
    assert set(d) >= PREDICT_FIELDS
    json.dumps(d, ensure_ascii=False)  # JSON-safe


def test_streetlight_is_urban_construction_with_reasons():
    r = analyse("路灯坏了", "我家小区门口人民路的路灯已经一个月不亮了，晚上出行很不方便，请尽快维修。")
    check_contract(r)
    assert r.valid
    assert r.topic.startswith("城乡建设 / ")
    assert r.topic.count(" / ") == 2
    assert r.label == "城乡建设"
    assert r.type == "政务类"
    assert r.explain["topic"]


@pytest.mark.parametrize(
    "text,kind",
    [
        ("我实在活不下去了，今晚就从楼上跳下去，我要自杀", "自伤自杀"),
        ("隔壁房子着火了，浓烟很大，里面还有人", "火灾"),
        ("暴雨后小区内涝，有老人被困在一楼出不来", "水淹内涝"),
        ("有个小孩在河边溺水了，快来人", "溺水"),
        ("他说要拿刀跟我同归于尽", "暴力威胁"),
    ],
)
def test_life_safety_is_always_critical_and_flagged(text, kind):
    r = analyse("", text)
    check_contract(r)
    assert r.urgency == "特急"
    assert r.valid
    assert any(kind in s for s in r.life_safety)
    assert r.explain["urgency"].startswith("涉及生命安全")


def test_self_harm_is_extreme_and_handed_to_police():
    r = analyse("", "我不想活了，准备喝农药结束生命")
    assert r.extreme_emotion
    assert r.police
    assert r.emergency == "110"


def test_negated_danger_is_not_critical():
    r = analyse("咨询", "请问小区消防设施检查的标准是什么？目前没有起火，也无人被困。")
    assert r.urgency != "特急"


def test_water_cut_is_urgent():
    r = analyse("停水", "我们小区突然停水两天了，家里有老人和婴儿，急需用水，请马上处理")
    assert r.urgency == "紧急"
    assert r.emotion in ("焦虑", "平静", "不满")


@pytest.mark.parametrize(
    "text",
    [
        "小区门口有人打架斗殴，有人被打得头破血流",
        "我的电动车昨天晚上被盗了，小偷还撬了别人的锁",
        "我被电信诈骗骗走了五万元",
    ],
)
def test_police_matters_go_to_110(text):
    r = analyse("", text)
    assert r.police
    assert r.type == "警务类"
    assert "110" in r.explain["police"]


def test_id_card_question_is_not_a_police_matter():
    r = analyse("咨询", "请问身份证丢了在哪里补办？户口在外地可以办理吗？")
    assert not r.police
    assert r.type == "咨询类"


@pytest.mark.parametrize(
    "title,text,reason",
    [
        ("", "", "无有效内容"),
        ("", "😀😀😀🙏🙏", "无有效内容"),
        ("", "测试", "测试"),
        ("", "美女你叫什么名字，陪我聊聊天", "骚扰"),
        ("", "帮我算一下下期彩票号码", "超出政府职能"),
        ("", "啊啊啊啊啊啊啊啊啊啊", "无意义"),
    ],
)
def test_unreasonable_requests_are_filtered_with_reason(title, text, reason):
    r = analyse(title, text)
    check_contract(r)
    assert not r.valid
    assert reason in r.invalid_reason


def test_types():
    assert analyse("建议", "建议在学府路学校门口增设斑马线和减速带，保障学生安全").type == "意见建议类"
    assert analyse("咨询", "请问异地就医备案需要什么材料？在哪里办理？").type == "咨询类"
    assert analyse("投诉物业", "投诉阳光小区物业乱收费，服务差，多次反映没人管").type == "投诉类"
    assert analyse("邻里纠纷", "楼上邻居和我家因为漏水问题发生纠纷，矛盾很大，请社区调解").type == "综治类"


def test_emotions():
    assert analyse("", "物业太过分了，简直欺人太甚！！！忍无可忍").emotion == "愤怒"
    assert analyse("", "多次反映至今没人管，相关部门推诿扯皮，非常不满").emotion == "不满"
    assert analyse("", "孩子的学位还没落实，我非常着急，不知道怎么办").emotion == "焦虑"
    assert analyse("", "请问公租房的申请条件是什么").emotion == "平静"


def test_traditional_and_full_width_are_understood():
    r = analyse("路燈壞了", "ＸＸ小區門口的路燈不亮，請盡快維修")
    assert r.valid
    assert r.label == "城乡建设"


@pytest.mark.parametrize(
    "title,text",
    [
        ("", "x" * 50_000),
        ("", "路灯坏了" * 12_500),
        ("", "The street light outside my building has been broken for weeks"),
        ("<script>alert(1)</script>", "<b>路灯</b>&nbsp;不亮 &lt;br&gt;"),
        ("'; DROP TABLE tickets; --", "SELECT * FROM users WHERE 1=1"),
        ("\x00\x01", "\ud800 broken surrogate"),
        ("   ", "\n\t\r"),
    ],
)
def test_hostile_inputs_give_sensible_answers(title, text):
    r = analyse(title, text)
    check_contract(r)


def test_none_and_non_strings_do_not_raise():
    check_contract(analyse(None, None, None, None))  # type: ignore[arg-type]
    check_contract(analyse(123, ["a"], 4.5, object()))  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.text(max_size=2000), st.text(max_size=20), st.text(max_size=100))
def test_never_raises_on_any_string(title, text, channel, address):
    check_contract(analyse(title, text, channel, address))


def test_import_is_cheap():
    import subprocess
    import sys

    code = "import sys, hotline.triage; print('sklearn' in sys.modules, 'jieba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"
