"""Weak labels from government replies: the department that answered a request says a
lot about its topic (住建局 → 城乡建设, 人社局 → 劳动和社会保障 …).

The mapping below is written by the project from the usual names of Chinese government
departments; it is applied at training time to whatever reply texts the user supplies
(``hotline triage train --weak-data``). Only the opening of a reply is read, where the
answering department names itself.
"""

from __future__ import annotations

from collections import Counter

DEPARTMENTS: dict[str, list[str]] = {
    "城乡建设": [
        "住建",
        "住房和城乡建设",
        "住房城乡建设",
        "城管",
        "城市管理",
        "房产",
        "不动产",
        "规划",
        "房屋征收",
        "物业",
        "市政",
        "公用事业",
        "水务",
        "供水",
        "自来水",
        "燃气",
        "征收办",
        "棚改",
        "建设局",
    ],
    "劳动和社会保障": [
        "人社",
        "人力资源和社会保障",
        "人力资源社会保障",
        "社保",
        "医保局",
        "医疗保障",
        "劳动监察",
        "就业服务",
        "社会保险",
        "养老保险",
    ],
    "教育文体": ["教育局", "教育体育局", "教体局", "文旅广体", "文体", "体育局", "学校", "教育部门", "招生"],
    "卫生计生": ["卫健", "卫生健康", "卫生和计划生育", "卫计", "疾控", "医院", "卫生院", "计生"],
    "交通运输": ["交通运输局", "交通局", "公交", "运管", "交警", "公路", "客运", "交通运输"],
    "商贸旅游": ["市场监管", "市场监督管理", "商务局", "旅游", "文化旅游", "工商", "物价", "质监"],
    "环境保护": ["生态环境", "环保", "环境保护", "环境局", "环境监察"],
    "农村农业": ["农业农村", "农业局", "林业", "水利", "扶贫", "畜牧"],
    "政法": ["公安", "派出所", "司法局", "法院", "检察院"],
    "民政": ["民政", "残联", "退役军人事务"],
}
HEAD = 400


def weak_label(reply: str, allowed: set[str] | None = None) -> str | None:
    """The topic the answering department suggests, or None when unclear."""
    head = (reply or "")[:HEAD]
    found: Counter[str] = Counter()
    for label, words in DEPARTMENTS.items():
        if allowed is not None and label not in allowed:
            continue
        for w in words:
            n = head.count(w)
            if n:
                found[label] += n
    if not found:
        return None
    top = found.most_common(2)
    if len(top) > 1 and top[1][1] >= top[0][1]:
        return None
    return top[0][0]
