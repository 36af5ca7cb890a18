"""The hashed TF-IDF behind hotspots, and the place/matter wording of their names."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from hotline.analytics import spot_names, textvec

DOCS = [
    "滨江县河滨路夜市烧烤油烟太大,晚上噪音扰民",
    "河滨路夜市油烟噪音扰民,每天闹到凌晨",
    "社保卡补办需要什么材料",
    "公积金提取流程咨询",
    "Street light OUT on Main st",
    "",
    "😀😀😀",
]


def test_hashed_tfidf_gives_the_similarities_of_scikit_learn() -> None:
    ours = textvec.tfidf(DOCS, min_df=1, max_df=1.0)
    reference = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, lowercase=True)
    theirs = reference.fit_transform(DOCS)
    assert ours.shape == (len(DOCS), textvec.BUCKETS)
    # scikit-learn's char analyser also makes n-grams across spaces; ours never does,
    # so compare on texts without spaces.
    without_space = [0, 1, 2, 3, 5, 6]
    ours_sim = (ours @ ours.T).toarray()[np.ix_(without_space, without_space)]
    theirs_sim = (theirs @ theirs.T).toarray()[np.ix_(without_space, without_space)]
    assert np.allclose(ours_sim, theirs_sim, atol=0.02)
    norms = np.sqrt(np.asarray(ours.multiply(ours).sum(axis=1)).ravel())
    assert np.allclose(norms[[0, 1, 2, 3, 4, 6]], 1, atol=1e-5) and norms[5] == 0


def test_document_frequency_limits_drop_rare_and_common_ngrams() -> None:
    docs = ["油烟扰民甲", "油烟扰民乙", "油烟扰民丙", "路灯不亮"]
    rare_dropped = textvec.tfidf(docs, min_df=2, max_df=1.0)
    assert rare_dropped[3].nnz == 0  # its n-grams occur once
    common_dropped = textvec.tfidf(docs, min_df=1, max_df=0.5)
    assert common_dropped[0].nnz == 2  # only the n-grams no other text has remain ("民甲", "扰民甲")
    assert textvec.tfidf([]).shape == (0, textvec.BUCKETS)


@pytest.mark.parametrize(
    ("text", "spot"),
    [
        ("第5街道东5号路附近油烟扰民", "第5街道东5号路"),
        ("投诉我家附近的金桥小区噪音", "金桥小区"),
        ("滨江县河滨路夜市烧烤油烟太大", "河滨路夜市"),
        # Names holding a word that elsewhere joins clauses.
        ("和平小区门口垃圾堆放", "和平小区"),
        ("投诉祥和苑物业乱收费", "祥和苑"),
        ("于家村垃圾无人清运", "于家村"),
    ],
)
def test_a_spot_keeps_its_name_when_words_follow_it(text: str, spot: str) -> None:
    assert spot_names.spots(text) == [spot]


def test_bus_lines_and_generic_roads_are_not_spots() -> None:
    assert spot_names.spots("请求合理设置28路公交车终点站") == []
    assert spot_names.spots("设计公交车途经线路不合理") == []


@pytest.mark.parametrize(
    ("title", "text", "drop", "expected"),
    [
        ("质疑D12市东方水岸明珠6期乱收费", "", ["D12市"], "东方水岸明珠6期乱收费"),
        ("关于A市公交站点名称变更的建议", "", ["A市"], "公交站点名称变更"),
        ("请求合理设置L市城区的28路公交车终点站", "", ["L市"], "合理设置城区的28路公交车终点站"),
        ("第二次投诉泉星社区飞歌KTV扰民", "", ["泉星社区"], "飞歌KTV扰民"),
        ("", "第5街道东5号路附近油烟扰民,请尽快处理", ["第5街道东5号路"], "油烟扰民"),
        ("我要反映锦绣小区电梯故障", "", ["锦绣小区"], "电梯故障"),
        ("本人投诉工地夜间施工", "", [], "工地夜间施工"),
        ("我家楼下烧烤油烟", "", [], "我家楼下烧烤油烟"),
    ],
)
def test_headline_is_the_matter_without_lead_in_and_places(
    title: str, text: str, drop: list[str], expected: str
) -> None:
    assert spot_names.headline(title, text, drop=drop) == expected
