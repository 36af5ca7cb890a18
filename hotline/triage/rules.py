"""Rule layer: urgency, emotion, validity, police matters and the request type.

Rules decide what must never depend on a statistical model's mood: a caller who says
they want to end their life is 特急 whatever the classifier thinks. Every decision
carries the cue words that made it, so an operator can see *why*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hotline.triage.lexicon import Hit, Lexicon
from hotline.triage.text import cjk_count, letter_count

TYPES = ("政务类", "警务类", "咨询类", "意见建议类", "投诉类", "综治类")
URGENCIES = ("特急", "紧急", "一般")
EMOTIONS = ("平静", "焦虑", "不满", "愤怒")

# --- life safety (always 特急): group name → cue words --------------------------------
LIFE_SAFETY: dict[str, list[str]] = {
    "自伤自杀": [
        "自杀",
        "轻生",
        "跳楼",
        "跳河",
        "不想活",
        "活不下去",
        "割腕",
        "寻死",
        "喝农药",
        "吃安眠药",
        "结束生命",
        "结束自己",
        "了结自己",
        "一死了之",
        "想死",
        "去死",
        "上吊",
    ],
    "暴力威胁": [
        "杀了他",
        "杀了你",
        "杀人",
        "同归于尽",
        "砍人",
        "持刀",
        "拿刀",
        "报复社会",
        "炸掉",
        "炸了他",
        "弄死",
        "要他的命",
        "放火烧",
    ],
    "火灾": ["着火", "起火", "火灾", "失火", "大火", "浓烟", "烧起来", "火情"],
    "燃气爆炸": ["燃气泄漏", "煤气泄漏", "天然气泄漏", "闻到煤气", "煤气味", "爆炸"],
    "水淹内涝": ["洪水", "被淹", "淹了", "水淹", "内涝", "倒灌", "决堤", "山洪", "泥石流", "滑坡"],
    "人员被困": ["被困", "困在", "困住", "受困", "关在电梯", "电梯困人", "压在下面", "埋在"],
    "溺水": ["溺水", "落水", "掉进河", "掉进水", "掉到河", "掉入水"],
    "人身危险": ["触电", "坍塌", "塌方", "昏迷", "大出血", "中毒", "食物中毒", "生命危险", "命悬一线"],
}
URGENT: dict[str, float] = {
    "停水": 2,
    "断水": 2,
    "没水": 1.5,
    "停电": 2,
    "断电": 2,
    "没电": 1.5,
    "停气": 2,
    "安全隐患": 1.5,
    "危险": 1,
    "隐患": 1,
    "随时可能": 1.5,
    "倒塌": 1.5,
    "塌陷": 1.5,
    "井盖": 1.5,
    "漏电": 2,
    "电线": 0.8,
    "高压线": 1.5,
    "积水": 1,
    "暴雨": 1,
    "紧急": 2,
    "十万火急": 2,
    "急需": 1.5,
    "立即": 1,
    "马上": 0.8,
    "尽快": 0.6,
    "今天": 0.5,
    "今晚": 0.8,
    "老人": 0.4,
    "孕妇": 1,
    "婴儿": 0.8,
    "病人": 0.8,
    "救护车": 2,
    "抢救": 2,
    "发烧": 1,
    "疫情": 1,
    "漏水": 0.8,
    "爆管": 2,
    "水管破裂": 2,
    "讨薪": 1,
    "年关": 1,
    "过年回家": 1,
    "没饭吃": 1.5,
    "无家可归": 2,
    "流浪": 1,
    "走失": 2,
    "失踪": 2,
    "断供": 1.5,
}
NEGATIONS = ("没有", "并无", "不会", "不是", "无", "未", "不", "没", "防止", "预防", "避免")

ANGRY: dict[str, float] = {
    "愤怒": 2,
    "气愤": 2,
    "愤慨": 2,
    "太过分": 2,
    "忍无可忍": 3,
    "岂有此理": 3,
    "无法无天": 3,
    "欺人太甚": 3,
    "丧心病狂": 3,
    "无耻": 2.5,
    "流氓": 2,
    "黑心": 2,
    "混蛋": 3,
    "王八": 3,
    "他妈": 3,
    "妈的": 3,
    "tmd": 3,
    "垃圾政府": 3,
    "狗官": 3,
    "滚": 1,
    "强烈谴责": 2.5,
    "气死": 2,
    "恶劣": 1,
    "极其": 0.8,
    "简直": 1,
    "骗子": 1.5,
    "坑人": 1.5,
    "不要脸": 3,
    "畜生": 3,
    "去你": 2,
    "拼命": 1.5,
    "讨个说法": 1.5,
    "天理何在": 3,
    "还有没有王法": 3,
    "去北京上访": 2,
    "曝光": 1,
    "媒体": 0.8,
}
DISSATISFIED: dict[str, float] = {
    "投诉": 1.5,
    "不满": 2,
    "不作为": 2.5,
    "推诿": 2,
    "踢皮球": 2.5,
    "敷衍": 2,
    "态度差": 2,
    "态度恶劣": 2,
    "没人管": 2,
    "无人管": 2,
    "不管不问": 2.5,
    "至今": 1,
    "一直没有": 1.5,
    "多次反映": 2,
    "反复反映": 2,
    "屡次": 1.5,
    "多次": 0.8,
    "严重影响": 1.5,
    "凭什么": 2,
    "为什么": 0.6,
    "怎么回事": 1.2,
    "难道": 1,
    "长期": 0.6,
    "拖欠": 1,
    "乱收费": 1.5,
    "不合理": 1.2,
    "霸王条款": 2,
    "强制": 1,
    "质问": 1.5,
    "失望": 1.5,
    "寒心": 2,
    "不负责任": 2,
    "扰民": 1,
    "无奈": 1,
    "没有任何": 1,
    "石沉大海": 2,
    "毫无": 1,
    "不予理睬": 2,
    "不理不睬": 2,
    "互相推脱": 2,
    "推脱": 1.5,
    "违规": 0.8,
    "违法": 0.8,
    "坑": 0.5,
}
ANXIOUS: dict[str, float] = {
    "着急": 2,
    "急死": 2.5,
    "焦急": 2,
    "焦虑": 2,
    "担心": 1.5,
    "害怕": 1.5,
    "担忧": 1.5,
    "怎么办": 1.5,
    "急需": 1.5,
    "求助": 1.5,
    "救救": 2.5,
    "拜托": 1.5,
    "万分": 1.5,
    "睡不着": 2,
    "失眠": 1.5,
    "无助": 2,
    "走投无路": 2.5,
    "恳请": 1,
    "恳求": 1.5,
    "求求": 2.5,
    "生活困难": 1.5,
    "没有办法": 1,
    "很急": 2,
    "非常急": 2,
    "心急": 2,
    "不知所措": 2,
    "提心吊胆": 2,
    "惶恐": 2,
    "病重": 1.5,
    "救命": 2.5,
}

# --- validity -----------------------------------------------------------------------
HARASSMENT = [
    "傻逼",
    "傻b",
    "sb",
    "操你",
    "草你",
    "你妈",
    "妈逼",
    "陪我聊",
    "聊聊天",
    "美女",
    "约吗",
    "你几岁",
    "你叫什么名字",
    "你长得",
    "你结婚",
    "做我女朋友",
    "做我男朋友",
    "单身吗",
    "亲一个",
    "骂你",
    "你们都是废物",
    "就是想骂",
]
TEST_CALL = [
    "测试",
    "test",
    "试一下",
    "试试看",
    "打错了",
    "打错电话",
    "不好意思按错",
    "按错了",
    "喂喂喂",
    "没事了",
    "随便打打",
    "hello",
    "你好你好",
]
OUT_OF_REMIT = [
    "彩票号码",
    "彩票中奖号",
    "下期号码",
    "帮我算命",
    "算命",
    "外星人",
    "帮我找男朋友",
    "帮我找女朋友",
    "帮我写作业",
    "游戏充值",
    "游戏装备",
    "追星",
    "帮我查他手机",
    "帮我定位他",
    "谁是凶手",
    "股票推荐",
    "推荐股票",
    "帮我转运",
]

# --- police matters (suggest hand-over to 110) ----------------------------------------
POLICE: dict[str, float] = {
    "打架": 2,
    "斗殴": 2,
    "打人": 2,
    "被打": 2,
    "殴打": 2,
    "群殴": 2.5,
    "盗窃": 2,
    "被盗": 2,
    "被偷": 2,
    "小偷": 2,
    "偷了": 1.5,
    "偷走": 1.5,
    "抢劫": 3,
    "抢夺": 3,
    "被抢": 3,
    "诈骗": 1.5,
    "被骗": 1.5,
    "骗了": 1,
    "吸毒": 3,
    "贩毒": 3,
    "赌博": 2,
    "赌场": 2.5,
    "卖淫": 2.5,
    "嫖娼": 2.5,
    "持刀": 3,
    "砍人": 3,
    "杀人": 3,
    "绑架": 3,
    "拐卖": 3,
    "拐骗": 3,
    "失踪": 2,
    "走失": 1.5,
    "家暴": 2.5,
    "家庭暴力": 2.5,
    "强奸": 3,
    "猥亵": 3,
    "性骚扰": 2,
    "敲诈": 2.5,
    "勒索": 2.5,
    "肇事逃逸": 3,
    "醉驾": 2.5,
    "酒驾": 2.5,
    "报警": 1.5,
    "非法拘禁": 3,
    "黑社会": 2.5,
    "恶势力": 2,
    "寻衅滋事": 2.5,
    "威胁": 1.5,
    "恐吓": 2,
    "跟踪我": 2,
    "偷拍": 2,
    "枪支": 3,
    "管制刀具": 3,
    "撬锁": 2,
    "入室": 2.5,
    "砸车": 2,
    "同归于尽": 3,
    "杀了": 2.5,
    "弄死": 2.5,
    "自杀": 2,
    "跳楼": 2,
    "轻生": 2,
    "电信诈骗": 2.5,
    "套路贷": 2,
    "高利贷": 1.5,
    "暴力催收": 2.5,
}
# Non-criminal matters that merely mention the police: damp the police score.
POLICE_DAMPERS = [
    "户籍",
    "户口",
    "身份证",
    "居住证",
    "驾驶证",
    "驾照",
    "违章",
    "交警",
    "罚单",
    "出入境",
    "护照",
    "派出所开证明",
    "无犯罪记录",
]

# --- type cues ----------------------------------------------------------------------
TYPE_CUES: dict[str, dict[str, float]] = {
    "咨询类": {
        "咨询": 2.5,
        "请问": 2,
        "想问": 2,
        "想了解": 2,
        "了解一下": 1.5,
        "是否可以": 1,
        "能否": 0.8,
        "如何办理": 2,
        "怎么办理": 2,
        "怎样办理": 2,
        "需要什么": 1.5,
        "哪些材料": 2,
        "什么材料": 1.5,
        "在哪里": 1.2,
        "在哪": 1,
        "哪里可以": 1.5,
        "多少钱": 1,
        "什么时候": 1,
        "何时": 1,
        "流程": 1,
        "政策": 0.8,
        "条件": 0.6,
        "标准是": 1,
        "是不是": 0.8,
        "可不可以": 1,
        "有没有": 0.6,
        "?": 0.5,
        "吗?": 1.2,
        "呢?": 1,
        "能不能": 0.6,
        "符合": 0.6,
        "请告知": 1.5,
        "答复": 0.3,
    },
    "意见建议类": {
        "建议": 2.5,
        "提议": 2.5,
        "希望": 1,
        "呼吁": 2,
        "增设": 1.5,
        "增加": 0.6,
        "增开": 1.5,
        "优化": 1.2,
        "改进": 1.2,
        "完善": 1,
        "考虑": 1,
        "可否": 1,
        "能否": 0.6,
        "应该": 0.8,
        "是否可以考虑": 2,
        "意见": 1.2,
        "合理化": 2,
        "规划": 0.5,
        "延长": 0.8,
        "调整": 0.8,
        "设立": 1,
    },
    "投诉类": {
        "投诉": 3,
        "举报": 2.5,
        "不作为": 2,
        "乱收费": 2,
        "违规": 1.2,
        "违法": 1.2,
        "违建": 1.5,
        "扰民": 1.5,
        "噪音": 1,
        "拖欠": 1.5,
        "欠薪": 1.5,
        "欺诈": 1.5,
        "态度": 0.8,
        "推诿": 1.5,
        "占道": 1,
        "污染": 1,
        "偷排": 1.5,
        "无证": 1.2,
        "强制": 0.8,
        "霸王": 1.5,
        "质量问题": 1.2,
        "退款": 1.2,
        "不退": 1.2,
        "虚假": 1.2,
        "克扣": 1.5,
        "侵占": 1.2,
        "私自": 1,
        "乱停": 1,
        "超标": 1,
    },
    "政务类": {
        "请求": 1,
        "求助": 1,
        "帮助": 0.6,
        "维修": 1.2,
        "修复": 1.2,
        "处理": 0.6,
        "解决": 0.6,
        "坏了": 1.2,
        "不亮": 1.2,
        "损坏": 1.2,
        "破损": 1,
        "堵塞": 1,
        "清理": 1,
        "办理": 0.6,
        "补贴": 0.8,
        "申请": 1,
        "救助": 1,
        "低保": 1,
        "落实": 0.8,
        "审批": 0.8,
        "证明": 0.6,
        "停水": 1,
        "停电": 1,
    },
    "综治类": {
        "纠纷": 2.5,
        "矛盾": 2,
        "邻里": 2,
        "调解": 2,
        "上访": 2,
        "信访": 2,
        "群体": 1.5,
        "聚集": 1.5,
        "围堵": 2,
        "闹事": 2,
        "维权": 1.2,
        "黑恶": 2.5,
        "传销": 2,
        "非法集资": 2.5,
        "邪教": 3,
        "精神病": 2,
        "肇事": 1,
        "治安": 2,
        "社区矫正": 2.5,
        "吵架": 1.5,
        "争吵": 1.5,
        "宅基地纠纷": 2.5,
        "土地纠纷": 2.5,
        "打架": 0.8,
        "家庭矛盾": 2.5,
        "婚姻": 1,
        "赡养": 1.5,
        "非法组织": 2,
    },
}


def _build() -> Lexicon:
    groups: dict[str, dict[str, float] | list[str]] = {}
    for name, words in LIFE_SAFETY.items():
        groups[f"life:{name}"] = words
    groups["urgent"] = URGENT
    groups["emo:愤怒"] = ANGRY
    groups["emo:不满"] = DISSATISFIED
    groups["emo:焦虑"] = ANXIOUS
    groups["invalid:harass"] = HARASSMENT
    groups["invalid:test"] = TEST_CALL
    groups["invalid:remit"] = OUT_OF_REMIT
    groups["police"] = POLICE
    groups["police_damp"] = POLICE_DAMPERS
    for t, cue_words in TYPE_CUES.items():
        groups[f"type:{t}"] = cue_words
    return Lexicon.from_groups(groups)


LEXICON = _build()
_REPEAT = re.compile(r"(.)\1{5,}")
_EXCLAIM = re.compile(r"[!！]{2,}|[?？]{3,}")


@dataclass
class Decision:
    value: str
    confidence: float
    explain: str
    cues: list[str] = field(default_factory=list)


@dataclass
class RuleOutcome:
    urgency: Decision
    emotion: Decision
    extreme_emotion: bool
    life_safety: list[str]
    valid: bool
    invalid_reason: str
    validity_confidence: float
    police: bool
    police_confidence: float
    police_explain: str
    emergency: str
    type_scores: dict[str, float]
    type_cues: dict[str, list[str]]


# A life-safety word followed by one of these names a risk or a facility, not an event
# happening now ("火灾隐患", "消防通道", "跳楼机"): it counts as an urgent signal instead.
_RISK_AFTER = re.compile(
    r"(?:隐患|风险|危险|通道|设施|演练|预防|防控|防范|安全|事故隐患|机|预警|应急|保险|事件)"
)
_NEGATED = re.compile("(?:" + "|".join(NEGATIONS) + ")(?:人|有人|发生|出现)?$")


def _negated(doc: str, hit: Hit) -> bool:
    return _NEGATED.search(doc[max(0, hit.start - 4) : hit.start]) is not None


def _uniq(words: list[str], n: int = 4) -> list[str]:
    out: list[str] = []
    for w in words:
        if w not in out:
            out.append(w)
        if len(out) >= n:
            break
    return out


def apply(doc: str, title_len: int = 0) -> RuleOutcome:
    """Run every rule over the normalised document ``doc`` (title first, ``title_len``
    characters long: cues in the title weigh double)."""
    hits = LEXICON.scan(doc)
    scores: dict[str, float] = {}
    cues: dict[str, list[str]] = {}
    life: list[str] = []
    for hit in hits:
        in_title = hit.start < title_len
        for group, weight in hit.tags:
            if group.startswith("life:") or group == "urgent":
                if _negated(doc, hit):
                    continue
                if group.startswith("life:") and _RISK_AFTER.match(doc, hit.end):
                    group, weight = "urgent", 1.5
                elif group.startswith("life:"):
                    life.append(f"{group[5:]}「{hit.word}」")
            w = weight * (2.0 if in_title else 1.0)
            scores[group] = scores.get(group, 0.0) + w
            cues.setdefault(group, []).append(hit.word)

    # --- validity
    n_cjk = cjk_count(doc)
    n_letters = letter_count(doc)
    valid, reason, vconf = True, "", 0.9
    content = n_cjk + n_letters
    if content == 0:
        valid, reason, vconf = False, "无有效内容（空白、静默或仅含符号/表情）", 0.97
    elif _REPEAT.search(doc) and len(set(doc)) <= 6:
        valid, reason, vconf = False, "无意义内容（重复字符）", 0.9
    elif scores.get("invalid:harass", 0) > 0 and not life:
        valid, reason, vconf = False, f"骚扰来电：「{'、'.join(_uniq(cues['invalid:harass']))}」", 0.85
    elif scores.get("invalid:test", 0) > 0 and content <= 20 and not life:
        valid, reason, vconf = False, f"测试或误拨来电：「{'、'.join(_uniq(cues['invalid:test']))}」", 0.85
    elif scores.get("invalid:remit", 0) > 0 and not life and scores.get("police", 0) == 0:
        valid, reason, vconf = False, f"超出政府职能范围：「{'、'.join(_uniq(cues['invalid:remit']))}」", 0.75
    elif n_cjk == 0 and n_letters < 3:
        valid, reason, vconf = False, "无意义内容（不足以构成诉求）", 0.8
    elif n_cjk == 0:
        vconf = 0.5  # foreign-language text: keep it, a person must read it

    # --- urgency
    if life:
        urgency = Decision("特急", 0.97, "涉及生命安全：" + "、".join(_uniq(life)), _uniq(life))
    else:
        u = scores.get("urgent", 0.0)
        if u >= 2.0:
            urgency = Decision(
                "紧急",
                min(0.95, 0.55 + 0.08 * u),
                "紧急信号：" + "、".join(_uniq(cues["urgent"])),
                _uniq(cues["urgent"]),
            )
        else:
            words = _uniq(cues.get("urgent", []))
            urgency = Decision(
                "一般",
                0.8 - 0.1 * u,
                "未发现紧急信号" + (f"（弱信号：{'、'.join(words)}）" if words else ""),
                words,
            )

    # --- emotion
    angry = scores.get("emo:愤怒", 0.0) + (1.5 if _EXCLAIM.search(doc) else 0.0)
    unhappy = scores.get("emo:不满", 0.0)
    anxious = scores.get("emo:焦虑", 0.0)
    emo_scores = {
        "愤怒": angry if angry >= 2.5 else 0.0,
        "不满": unhappy if unhappy >= 1.5 else 0.0,
        "焦虑": anxious if anxious >= 1.5 else 0.0,
    }
    best = max(emo_scores, key=lambda k: emo_scores[k])
    if emo_scores[best] <= 0:
        emotion = Decision("平静", 0.75, "未发现明显情绪词")
    else:
        group = f"emo:{best}"
        words = _uniq(
            cues.get(group, []) + (["连续感叹号"] if best == "愤怒" and _EXCLAIM.search(doc) else [])
        )
        emotion = Decision(
            best, min(0.95, 0.5 + 0.06 * emo_scores[best]), "情绪词：" + "、".join(words), words
        )
    self_harm = any(x.startswith(("自伤自杀", "暴力威胁")) for x in life)
    extreme = self_harm or angry >= 6.0
    if self_harm and emotion.value == "平静":
        emotion = Decision("焦虑", 0.7, "表达轻生或极端意图：" + "、".join(_uniq(life)), _uniq(life))

    # --- police
    p = scores.get("police", 0.0) - 1.5 * scores.get("police_damp", 0.0)
    police = (p >= 2.0 or self_harm) and valid
    if police:
        pw = _uniq(
            cues.get("police", [])
            + [x.split("「")[1].rstrip("」") for x in life if x.startswith(("自伤", "暴力"))]
        )
        police_explain = "涉及公安管辖事项（" + "、".join(pw) + "），建议转110处理"
    else:
        police_explain = "未发现需转110的警情"
    pconf = min(0.97, 0.55 + 0.1 * max(p, 0.0)) if police else max(0.5, 0.9 - 0.15 * max(p, 0.0))
    emergency = ""
    if life:
        kinds = {x.split("「")[0] for x in life}
        if kinds & {"火灾", "燃气爆炸", "人员被困", "水淹内涝", "溺水"}:
            emergency = "119"
        if kinds & {"人身危险"}:
            emergency = emergency or "120"
        if kinds & {"自伤自杀", "暴力威胁"}:
            emergency = "110"

    type_scores = {t: scores.get(f"type:{t}", 0.0) for t in TYPES}
    type_cues = {t: _uniq(cues.get(f"type:{t}", [])) for t in TYPES}
    return RuleOutcome(
        urgency=urgency,
        emotion=emotion,
        extreme_emotion=extreme,
        life_safety=_uniq(life, 8),
        valid=valid,
        invalid_reason=reason,
        validity_confidence=vconf,
        police=police,
        police_confidence=round(pconf, 3),
        police_explain=police_explain,
        emergency=emergency,
        type_scores=type_scores,
        type_cues=type_cues,
    )


def decide_type(outcome: RuleOutcome, police_by_rules: bool) -> Decision:
    """The request type from the cue scores (警务类 when the police rule fired)."""
    if police_by_rules:
        return Decision("警务类", outcome.police_confidence, outcome.police_explain)
    scores = dict(outcome.type_scores)
    scores["警务类"] = 0.0
    # 政务类 is the default: a plain request for a public service.
    scores["政务类"] = scores.get("政务类", 0.0) + 1.0
    best = max(TYPES, key=lambda t: (scores.get(t, 0.0), t == "政务类"))
    total = sum(scores.values()) or 1.0
    conf = round(min(0.95, 0.35 + 0.6 * scores[best] / total), 3)
    words = outcome.type_cues.get(best, [])
    explain = f"{best}：" + ("、".join(words) if words else "未见其他类型特征，按一般政务诉求处理")
    return Decision(best, conf, explain, words)
