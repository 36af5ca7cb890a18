"""A labelled synthetic window of citizens' messages for the hotspot benchmarks.

Written for the benchmarks, not drawn from any real data. Each *true cluster* is one
matter at one place (a building site, an estate, a shop, a market …); a place has
several matters, each worded many ways (the key object said in different words, the
story around it, the title there or not, the place named by its full name, its short
name, with its road or its district in front). Around them: one-off matters at places
named once, the same matters at places named once (油烟 elsewhere is not the estate's
油烟), and consultations with no place at all. Clusters are bursts of a few weeks or
spread thin over the whole window, and one small cluster is spread over a year.

Each row is what ``hotspots.window_rows`` reads (plus ``truth``: the cluster's number,
or -1 for noise). The place unit is the township in most rows, unknown in some (a
ticket not yet routed), and the topic is the matter's own in most rows and a
neighbouring one in the rest, as a classifier gets it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

COUNTIES = ["滨江县", "石门县", "龙潭区", "青山区", "桃源县", "清水县", "云岭区", "安平县"]
TOWNS = ["城关镇", "河西街道", "东岭镇", "新华街道", "白沙乡", "金桥镇", "南湖街道", "马坪镇", "杨柳街道"]
ROADS = [
    "劳动东路",
    "人民路",
    "建设大道",
    "解放西路",
    "车站北路",
    "滨河路",
    "朝阳街",
    "文化路",
    "新民路",
    "迎宾大道",
]
SYLLABLES = "金华锦绣翠湖丽景江南名都盛世嘉园紫荆碧水蓝湾御景龙城凤凰阳光星河恒大万科世纪新天地和谐幸福"

# Kinds of place: how they are called, and the matters citizens raise about each, every
# matter with the ways its key object is said and the stories told around it.
KINDS: dict[str, tuple[list[str], dict[str, tuple[list[str], list[str]]]]] = {
    "estate": (
        ["小区", "花园", "家园"],
        {
            "物业乱收费": (
                ["物业乱收费", "物业费乱涨", "物业公司多收费", "物业收费不合理", "物业擅自涨价"],
                ["没有公示就收", "业主大会没开过", "服务没跟上却要涨价", "不交就停电梯卡"],
            ),
            "电梯故障": (
                ["电梯故障", "电梯经常坏", "电梯关人", "电梯停运", "电梯维修不及时"],
                ["老人上下楼很困难", "上周又困住了一个小孩", "维保单位不来人", "一个月坏了三次"],
            ),
            "车位捆绑销售": (
                ["车位捆绑销售", "强制买车位", "买房必须买车位", "车位只售不租"],
                ["开发商不买车位不给办证", "车位价格比房子还贵", "不买车位就不交房"],
            ),
            "底商油烟": (
                ["楼下餐馆油烟", "一楼饭店油烟", "临街餐饮店排烟", "油烟直排进家里"],
                ["窗户都不敢开", "衣服晒不了", "排烟管道正对卧室", "满屋子油烟味"],
            ),
            "违章搭建": (
                ["违章搭建", "私搭乱建", "顶楼违建", "占用绿地建房"],
                ["城管来过又不管了", "越建越多", "影响采光", "绿地被圈起来了"],
            ),
        },
    ),
    "site": (
        ["工地", "项目工地", "建筑工地"],
        {
            "夜间施工噪音": (
                ["夜间施工噪音", "半夜施工扰民", "晚上打桩太吵", "凌晨还在施工", "施工噪声扰民"],
                ["吵得睡不着觉", "孩子明天要考试", "每天到凌晨两三点", "机器轰鸣一整夜"],
            ),
            "渣土车撒漏": (
                ["渣土车撒漏", "泥头车掉土", "渣土运输车遗撒", "运土车把路弄得很脏"],
                ["路上全是泥", "雨天一地泥浆", "晴天尘土飞扬", "车轮不冲洗就上路"],
            ),
            "拖欠工资": (
                ["拖欠农民工工资", "欠薪不发", "工资拖了半年", "包工头不给工钱"],
                ["过年都回不了家", "找了劳动监察没结果", "几十个工友都没拿到钱"],
            ),
            "扬尘污染": (
                ["扬尘污染", "灰尘很大", "工地扬尘", "粉尘满天飞"],
                ["没有洒水降尘", "裸土没有覆盖", "家里桌子一天一层灰"],
            ),
        },
    ),
    "shop": (
        ["烧烤店", "餐馆", "酒吧", "KTV"],
        {
            "噪音扰民": (
                ["噪音扰民", "音响声太大", "半夜喧哗", "噪声扰民", "吵闹到凌晨"],
                ["客人喝酒划拳", "音乐开得很大声", "深夜还在营业", "报警了也没用"],
            ),
            "油烟扰民": (
                ["油烟扰民", "油烟太大", "烟熏火燎", "排烟扰民"],
                ["没有装油烟净化器", "烟直接往楼上飘", "呛得咳嗽"],
            ),
            "占道经营": (
                ["占道经营", "桌椅摆到人行道", "占用人行道摆摊", "店外占道"],
                ["行人只能走机动车道", "晚上摆满了桌子", "盲道都被占了"],
            ),
            "食品安全": (
                ["食品不卫生", "吃了拉肚子", "食材过期", "卫生条件差"],
                ["后厨很脏", "一家人都吃坏了肚子", "肉都发臭了"],
            ),
        },
    ),
    "market": (
        ["菜市场", "农贸市场", "批发市场"],
        {
            "垃圾清运": (
                ["垃圾没人清运", "垃圾堆积", "垃圾清运不及时", "垃圾臭气熏天"],
                ["苍蝇蚊子很多", "好几天没人收", "夏天臭得不行"],
            ),
            "缺斤少两": (
                ["缺斤少两", "秤不准", "短斤缺两", "商贩克扣分量"],
                ["买两斤只有一斤半", "用电子秤作弊", "找管理处也不管"],
            ),
            "交通拥堵": (
                ["门口交通拥堵", "车辆乱停堵路", "早上堵得走不动", "三轮车乱停"],
                ["上班经常迟到", "救护车都进不去", "没有人疏导交通"],
            ),
        },
    ),
}
ONE_OFF = [
    "路灯不亮",
    "井盖缺失",
    "公交站台破损",
    "树木倒伏",
    "下水道堵塞",
    "停水没有通知",
    "广场舞噪音",
    "共享单车乱停",
    "流浪狗伤人",
    "违章停车",
]
CONSULTATIONS = [
    "社保卡补办需要什么材料",
    "公积金提取流程是怎样的",
    "孩子上学入学政策咨询",
    "医保异地报销怎么办理",
    "新生儿户口登记需要哪些手续",
    "退休金什么时候调整",
    "驾驶证到期换证在哪里办",
    "居住证办理需要多长时间",
]
TOPICS = {
    "estate": "城乡建设 / 物业管理",
    "site": "城乡建设 / 建筑施工",
    "shop": "环境保护 / 噪声油烟",
    "market": "商贸旅游 / 市场管理",
}
OPEN = ["", "反映", "投诉", "举报", "我要反映", "请问", "关于"]
PLEAS = [
    "请相关部门尽快处理",
    "已经反映多次没有解决",
    "严重影响居民生活",
    "希望政府管一管",
    "多次投诉无果",
    "请尽快派人查看",
    "恳请领导重视",
    "",
]
STORY = [
    "我家住在附近,",
    "这个问题已经持续很久了,",
    "去年就反映过,",
    "周边居民意见很大,",
    "",
    "",
]


@dataclass
class Place:
    county: str
    town: str
    town_id: int
    road: str
    name: str  # the full name: 锦绣江南小区
    short: str  # what many say: 锦绣江南
    kind: str


def _place_name(rng: random.Random, kind: str, used: set[str]) -> tuple[str, str]:
    suffixes = KINDS[kind][0]
    while True:
        core = "".join(rng.sample(SYLLABLES, rng.choice((2, 3, 4))))
        if core not in used:
            used.add(core)
            return core + rng.choice(suffixes), core


def _mention(rng: random.Random, p: Place) -> str:
    """The place as one citizen names it."""
    form = rng.random()
    if form < 0.35:
        return p.name
    if form < 0.5:
        return p.short + ("" if p.kind != "site" else "那个工地")
    if form < 0.7:
        return p.road + p.name
    if form < 0.85:
        return p.county + p.name
    return p.county + p.town + p.road + p.name


def _message(rng: random.Random, p: Place, matter: str) -> tuple[str, str]:
    words, stories = KINDS[p.kind][1][matter]
    said = rng.choice(words)
    where = _mention(rng, p)
    story = f"{rng.choice(STORY)}{rng.choice(stories)},{rng.choice(PLEAS)}"
    if rng.random() < 0.6:
        title = f"{rng.choice(OPEN)}{where}{said}" + rng.choice(("", "的问题", "问题"))
        text = f"{rng.choice(STORY)}{where}{rng.choice(words)},{story}。"
    else:
        title = ""
        order = rng.random()
        if order < 0.5:
            text = f"{rng.choice(OPEN)}{where}{said},{story}。"
        else:
            text = f"{rng.choice(STORY)}{rng.choice(stories)},就是{where}{said},{rng.choice(PLEAS)}。"
    return title, text


def window(
    n: int,
    *,
    end: datetime,
    days: int = 365,
    seed: int = 1,
    places: int | None = None,
    noise_share: float = 0.35,
) -> list[dict[str, Any]]:
    """About ``n`` rows over the ``days`` before ``end``, oldest first."""
    rng = random.Random(seed)
    towns = [(c, t) for c in COUNTIES for t in TOWNS]
    used: set[str] = set()
    n_places = places or max(4, n // 60)
    all_places = []
    for _ in range(n_places):
        county, town = rng.choice(towns)
        kind = rng.choice(list(KINDS))
        name, short = _place_name(rng, kind, used)
        all_places.append(
            Place(county, town, 1000 + towns.index((county, town)), rng.choice(ROADS), name, short, kind)
        )
    budget = int(n * (1 - noise_share))
    clusters: list[tuple[Place, str, int, str]] = []  # place, matter, size, how spread
    for p in all_places:
        matters = rng.sample(list(KINDS[p.kind][1]), rng.choice((1, 2, 2, 3)))
        for m in matters:
            clusters.append(
                (p, m, max(3, int(rng.paretovariate(1.3) * 4)), rng.choice(("burst", "burst", "spread")))
            )
    scale = budget / max(1, sum(c[2] for c in clusters))
    rows: list[dict[str, Any]] = []
    seconds = days * 86400

    def add(title: str, text: str, at: float, truth: int, town_id: int | None, topic: str) -> None:
        rows.append(
            {
                "id": len(rows) + 1,
                "number": f"B{len(rows) + 1:012d}",
                "title": title,
                "text": text,
                "topic": topic,
                "place_id": town_id if rng.random() < 0.8 else None,
                "lead_unit_id": town_id if town_id and rng.random() < 0.7 else None,
                "urgency": "紧急" if rng.random() < 0.1 else "一般",
                "emotion": "不满" if rng.random() < 0.2 else "平静",
                "created_at": end - timedelta(seconds=max(1.0, min(seconds - 1.0, at))),
                "lat": None,
                "lng": None,
                "truth": truth,
            }
        )

    topics = list(TOPICS.values())
    for k, (p, m, size, spread) in enumerate(clusters):
        size = max(3, round(size * scale))
        centre = rng.uniform(0, seconds)
        for _ in range(size):
            at = rng.uniform(0, seconds) if spread == "spread" else rng.gauss(centre, 10 * 86400)
            topic = TOPICS[p.kind] if rng.random() < 0.8 else rng.choice(topics)
            add(*_message(rng, p, m), at, k, p.town_id, topic)
    # The sparse cluster: a few dozen messages about one matter spread over the year.
    county, town = rng.choice(towns)
    name, short = _place_name(rng, "site", used)
    sparse = Place(county, town, 1000 + towns.index((county, town)), rng.choice(ROADS), name, short, "site")
    for _ in range(max(12, n // 400)):
        add(
            *_message(rng, sparse, "夜间施工噪音"),
            rng.uniform(0, seconds),
            len(clusters),
            sparse.town_id,
            TOPICS["site"],
        )
    # Noise: one-off matters at places named once, the clusters' matters at places named
    # once, consultations with no place.
    while len(rows) < n:
        county, town = rng.choice(towns)
        town_id = 1000 + towns.index((county, town))
        r = rng.random()
        at = rng.uniform(0, seconds)
        if r < 0.4:
            kind = rng.choice(list(KINDS))
            name, _ = _place_name(rng, kind, used)
            once = Place(county, town, town_id, rng.choice(ROADS), name, name, kind)
            add(*_message(rng, once, rng.choice(list(KINDS[kind][1]))), at, -1, town_id, TOPICS[kind])
        elif r < 0.75:
            road = rng.choice(ROADS)
            add(
                "",
                f"{county}{town}{road}{rng.choice(ONE_OFF)},{rng.choice(PLEAS)}。",
                at,
                -1,
                town_id,
                "城乡建设 / 市政设施",
            )
        else:
            add("", f"{rng.choice(CONSULTATIONS)}?", at, -1, None, "劳动和社会保障 / 社会保险")
    rows.sort(key=lambda r: (r["created_at"], r["id"]))
    return rows
