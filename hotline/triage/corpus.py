"""Synthetic citizen requests, written by the project (no real messages involved).

``generate(n, seed, places)`` composes requests from hand-written bodies per topic
(``corpus_data.TOPICS``), framed as one of the six request types, with optional urgency
and emotion sentences, plus police matters, disputes and unreasonable calls. The labels
come from the composition, so the corpus trains the shipped default model and feeds the
demo history. Deterministic for a given (n, seed, places).
"""

from __future__ import annotations

import random

from hotline.triage.corpus_data import TOPICS

COUNTIES = [
    "青山县",
    "龙泉县",
    "白水县",
    "桃源县",
    "云岭县",
    "江口市",
    "北城区",
    "南湖区",
    "东江区",
    "西山区",
]
TOWNS = [
    "城关镇",
    "石桥镇",
    "河西街道",
    "金塘乡",
    "柳林镇",
    "新华街道",
    "马坪乡",
    "沙湾镇",
    "东风街道",
    "花园街道",
]
VILLAGES = ["大坪村", "柏树村", "新民社区", "枫林村", "石门村", "红旗社区", "杨家湾村", "长岭村"]
ESTATE_A = [
    "阳光",
    "锦绣",
    "幸福",
    "金色",
    "翠湖",
    "江南",
    "名都",
    "御景",
    "碧水",
    "东方",
    "书香",
    "盛世",
    "丽景",
    "和美",
    "滨江",
    "紫荆",
    "恒大",
    "万家",
    "华庭",
    "国际",
]
ESTATE_B = ["花园", "小区", "家园", "苑", "公馆", "新城", "华府", "雅居", "名苑", "一号", "广场", "佳园"]
ROADS = [
    "人民路",
    "建设路",
    "解放路",
    "迎宾大道",
    "滨江路",
    "五一路",
    "中山路",
    "东风路",
    "新华路",
    "长青路",
    "胜利路",
    "环城北路",
    "桂花路",
    "学府路",
    "工业大道",
    "望城路",
    "青年路",
    "黄河路",
]
CO_A = ["宏达", "鑫源", "华信", "恒通", "佳美", "金鼎", "瑞丰", "远航", "博雅", "鸿运", "诚信", "天宇"]
CO_B = [
    "物业公司",
    "建筑公司",
    "房地产开发公司",
    "科技有限公司",
    "餐饮有限公司",
    "商贸公司",
    "劳务公司",
    "制造厂",
    "电子厂",
    "化工厂",
    "健身会所",
    "教育培训公司",
]
SCHOOLS = ["第一中学", "实验小学", "第三小学", "育才中学", "城南小学", "职业中专", "外国语学校", "第七中学"]
HOSPS = ["人民医院", "中医院", "妇幼保健院", "第二人民医院", "社区卫生服务中心", "乡镇卫生院"]
SHOPS = [
    "家乐超市",
    "好运来餐馆",
    "老街烧烤店",
    "百姓大药房",
    "万家电器城",
    "丽人美容店",
    "蜜语奶茶店",
    "川味火锅店",
    "丰收农资店",
    "便民小吃店",
]
DURS = ["一个多月", "半年", "两年多", "三个月", "一周", "十多天", "大半年", "一年多", "好几个月", "五天"]
MONEYS = ["3000多元", "2万多元", "8000元", "5万元", "1200元", "十几万元", "6000多元", "4万余元"]

OPENINGS = [
    "",
    "",
    "",
    "您好，",
    "你好，",
    "尊敬的领导：",
    "领导您好！",
    "我是{place}的居民，",
    "本人是{estate}业主，",
    "我想反映一个问题，",
    "我是一名普通市民，",
]
REQUESTS = [
    "希望有关部门尽快处理。",
    "请相关部门核实处理。",
    "恳请领导重视，帮忙解决。",
    "请求政府帮助解决。",
    "希望早日得到解决。",
    "望相关部门督促整改。",
    "请尽快安排人员处理，谢谢！",
    "",
]
COMPLAINT_ADD = [
    "已经多次反映，但一直没有人管。",
    "打了好几次电话，相关部门互相推诿。",
    "这种行为严重侵害了我们的合法权益。",
    "对此我们非常不满。",
    "投诉后没有任何回复。",
    "管理部门不作为，问题至今没有解决。",
]
URGENT_ADD = [
    "现在情况非常紧急，请马上派人来处理！",
    "家里已经停水停电，老人孩子急需帮助。",
    "随时可能发生安全事故，请立即处理。",
    "井盖已经掉了，路上很危险，请尽快处理。",
    "暴雨后积水越来越深，已经漫进一楼。",
]
CRITICAL_ADD = [
    ("{estate}{n}栋着火了，浓烟很大，楼上还有人被困！", "火灾"),
    ("{road}有人落水了，快来救人！", "溺水"),
    ("暴雨导致{place}内涝，有老人被困在家里出不来！", "被困"),
    ("{estate}闻到很浓的煤气味，怀疑燃气泄漏！", "燃气"),
    ("电梯困人已经半个小时了，里面的人快喘不过气！", "被困"),
]
ANXIOUS_ADD = [
    "我现在非常着急，不知道该怎么办。",
    "全家人都很担心，晚上睡不着觉。",
    "实在是走投无路了，求求你们帮帮忙。",
]
ANGRY_ADD = [
    "简直是欺人太甚！！",
    "这种行为太过分了，忍无可忍！",
    "还有没有王法了？！",
    "真是岂有此理，强烈要求严惩！",
]
UNHAPPY_ADD = [
    "对处理结果很不满意。",
    "为什么一直没有人管？",
    "相关部门敷衍了事，让人失望。",
    "凭什么这样对待我们？",
]

POLICE_CASES = [
    ("{road}有人打架", "{road}的烧烤店门口有一群人在打架斗殴，有人被打伤了，请赶紧派人来。"),
    ("电动车被盗", "我停在{estate}楼下的电动车昨晚被偷了，小区监控拍到了小偷。"),
    ("遭遇电信诈骗", "我接到自称公检法的电话，被骗转账{money}，现在对方联系不上了。"),
    ("{estate}有人聚众赌博", "{estate}地下室有人开设赌场，每天晚上很多人进出。"),
    ("家暴求助", "我丈夫经常对我实施家暴，昨天又把我打伤了，我不敢回家。"),
    ("孩子走失", "我家孩子在{road}附近走失了，已经找了两个小时还没找到。"),
    ("有人持刀威胁", "邻居拿着刀在楼道里威胁要砍人，大家都不敢出门。"),
    ("遭遇暴力催收", "网贷公司暴力催收，打电话恐吓我的家人，还上门泼油漆。"),
    ("店铺被盗", "我在{road}的店铺昨晚被人撬锁入室盗窃，损失{money}。"),
]
DISPUTE_CASES = [
    ("邻里纠纷", "楼上邻居长期往下扔垃圾，沟通多次没有效果，双方矛盾越来越大，请社区帮忙调解。"),
    ("宅基地纠纷", "我家和邻居因为宅基地边界发生纠纷，村里调解了几次都没有结果。"),
    ("家庭矛盾", "兄弟几个因为老人赡养问题闹矛盾，老人无人照顾，请求帮忙调解。"),
    ("群众聚集维权", "{estate}的业主因为延期交房准备到售楼部聚集维权，情绪比较激动，请政府出面协调。"),
    ("精神病人肇事隐患", "{estate}有一名精神病人经常在小区里砸东西，居民很害怕，请求有关部门管控。"),
    ("传销窝点", "{place}有一栋出租屋里住着很多外地年轻人，疑似传销组织。"),
    ("土地纠纷", "我们组和邻组因为山林边界发生纠纷，双方差点打起来，请求调解。"),
]
INVALID_CASES = [
    ("", "测试", "测试或误拨"),
    ("", "喂喂喂？没事了，打错了", "测试或误拨"),
    ("", "test", "测试或误拨"),
    ("", "", "无有效内容"),
    ("", "。。。。。。", "无有效内容"),
    ("", "美女你叫什么名字，陪我聊聊天", "骚扰"),
    ("", "你们都是废物，我就是想骂你们", "骚扰"),
    ("", "帮我算一下下期彩票号码", "超出职能范围"),
    ("", "能不能帮我找个女朋友", "超出职能范围"),
    ("", "啊啊啊啊啊啊啊啊", "无意义内容"),
]


def _fill(template: str, rng: random.Random, slots: dict[str, str]) -> str:
    out = template
    for key, value in slots.items():
        out = out.replace("{" + key + "}", value)
    return out


def _slots(rng: random.Random, places: list[str] | None) -> dict[str, str]:
    if places:
        place = rng.choice(places)
    else:
        place = rng.choice(COUNTIES) + rng.choice(
            ["", rng.choice(TOWNS), rng.choice(TOWNS) + rng.choice(VILLAGES)]
        )
    return {
        "place": place,
        "estate": rng.choice(ESTATE_A) + rng.choice(ESTATE_B),
        "road": rng.choice(ROADS),
        "co": rng.choice(CO_A) + rng.choice(CO_B),
        "school": rng.choice(["", rng.choice(COUNTIES)[:2]]) + rng.choice(SCHOOLS),
        "hosp": rng.choice(["", rng.choice(COUNTIES)[:2]]) + rng.choice(HOSPS),
        "shop": rng.choice(SHOPS),
        "bus": f"{rng.randint(1, 160)}路",
        "dur": rng.choice(DURS),
        "money": rng.choice(MONEYS),
        "n": str(rng.randint(2, 30)),
    }


def _title(core: str, rng: random.Random, kind: str, slots: dict[str, str]) -> str:
    core = core.rstrip("。！!，,")
    short = core.split("，")[0][:26]
    prefix = {
        "投诉类": ["投诉", "举报", "反映"],
        "咨询类": ["咨询", "关于", "请问"],
        "意见建议类": ["建议", "关于", ""],
        "政务类": ["请求解决", "反映", "关于", ""],
    }.get(kind, [""])
    p = rng.choice(prefix)
    suffix = rng.choice(["", "的问题", "问题", "！"]) if p in ("关于", "反映", "") else ""
    loc = slots["place"] if rng.random() < 0.4 and slots["place"] not in short else ""
    return f"{p}{loc}{short}{suffix}"[:60]


def _one(rng: random.Random, places: list[str] | None, paths: list[str]) -> dict[str, object]:
    slots = _slots(rng, places)
    uses_place = True
    roll = rng.random()
    rec: dict[str, object] = {"urgency": "一般", "emotion": "平静", "valid": True, "police": False}
    if roll < 0.04:
        title, text, _why = rng.choice(INVALID_CASES)
        rec.update(title=title, text=text, type="政务类", topic="", valid=False)
        rec["place"] = ""
        return rec
    if roll < 0.10:
        title, body = rng.choice(POLICE_CASES)
        text = _fill(
            rng.choice(OPENINGS) + body + rng.choice(["请求警方处理。", "请尽快处理！", ""]), rng, slots
        )
        rec.update(
            title=_fill(title, rng, slots),
            text=text,
            type="警务类",
            topic="政法 / 社会治安 / 治安案件",
            police=True,
            urgency=rng.choice(["紧急", "紧急", "一般"]),
            emotion=rng.choice(["焦虑", "愤怒", "平静"]),
        )
        if "刀" in body or "走失" in body:
            rec["urgency"] = "特急"
        rec["place"] = slots["place"] if "{place}" in body else ""
        return rec
    if roll < 0.15:
        title, body = rng.choice(DISPUTE_CASES)
        text = _fill(rng.choice(OPENINGS) + body, rng, slots)
        rec.update(
            title=_fill(title, rng, slots),
            text=text,
            type="综治类",
            topic="政法 / 法律服务 / 法律援助与调解",
            emotion=rng.choice(["焦虑", "不满", "平静"]),
        )
        rec["place"] = slots["place"] if slots["place"] in text else ""
        return rec

    path = rng.choice(paths)
    bodies, questions, suggestions = TOPICS[path]
    kind = rng.choices(["投诉类", "政务类", "咨询类", "意见建议类"], weights=[40, 30, 18, 12])[0]
    if kind == "咨询类" and not questions:
        kind = "政务类"
    if kind == "意见建议类" and not suggestions:
        kind = "投诉类"
    parts = [rng.choice(OPENINGS)]
    if kind == "咨询类":
        q = rng.choice(questions)
        core = q
        parts.append(
            rng.choice(["想咨询一下，", "请问", "我想了解", ""])
            + q
            + rng.choice(["？", "？谢谢。", "，需要准备什么？"])
        )
        if rng.random() < 0.5:
            parts.insert(1, rng.choice(bodies) + "。")
    elif kind == "意见建议类":
        s = rng.choice(suggestions)
        core = s
        if rng.random() < 0.6:
            parts.append(rng.choice(bodies) + "。")
        parts.append(s + rng.choice(["。", "，方便群众生活。", "，希望领导采纳。"]))
    else:
        core = rng.choice(bodies)
        parts.append(core + "。")
        if rng.random() < 0.5:
            parts.append(rng.choice([b for b in bodies if b != core] or bodies) + "。")
        if kind == "投诉类":
            parts.append(rng.choice(COMPLAINT_ADD))
    r2 = rng.random()
    if r2 < 0.03:
        crit, _k = rng.choice(CRITICAL_ADD)
        parts.append(crit)
        rec["urgency"] = "特急"
    elif r2 < 0.15:
        parts.append(rng.choice(URGENT_ADD))
        rec["urgency"] = "紧急"
    r3 = rng.random()
    if r3 < 0.08:
        parts.append(rng.choice(ANGRY_ADD))
        rec["emotion"] = "愤怒"
    elif r3 < 0.2:
        parts.append(rng.choice(UNHAPPY_ADD))
        rec["emotion"] = "不满"
    elif r3 < 0.3:
        parts.append(rng.choice(ANXIOUS_ADD))
        rec["emotion"] = "焦虑"
    elif kind == "投诉类" and r3 < 0.6:
        rec["emotion"] = "不满"
    parts.append(rng.choice(REQUESTS))
    text = _fill("".join(parts), rng, slots)
    title = _title(_fill(core, rng, slots), rng, kind, slots)
    uses_place = slots["place"] in text or slots["place"] in title
    rec.update(title=title, text=text, type=kind, topic=path, place=slots["place"] if uses_place else "")
    return rec


def generate(n: int, seed: int = 0, places: list[str] | None = None) -> list[dict[str, object]]:
    """``n`` synthetic requests: dicts with title, text, type, topic, urgency, emotion,
    valid, police and place (the place name used, or "")."""
    rng = random.Random(seed)
    paths = sorted(TOPICS)
    places = [p for p in (places or []) if p] or None
    return [_one(rng, places, paths) for _ in range(max(0, int(n)))]
