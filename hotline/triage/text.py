"""Text normalisation shared by the rules, the model and the duplicate finder.

Everything here is pure Python, cheap to import, and total: any ``str`` (or anything
that ``str()`` accepts) goes in, a normalised ``str`` comes out, never an exception.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Texts beyond this are cut before analysis: the model and rules read the head (where
# citizens state the matter) and the tail (where they state what they want).
MAX_CHARS = 4000
HEAD_CHARS = 3000

# Common traditional characters and their simplified forms. Not a full converter: it
# covers what citizens write about in service requests, so that the model and the
# keyword rules see the same characters as in simplified text.
_TRAD = (
    "與專業東絲兩嚴喪個豐臨為麗舉麼義烏樂喬習鄉書買亂爭於虧雲亞產畝親億僅從倉儀們價眾優會傘偉傳傷倫偽體餘傭僉俠侶儈儉債傾僂"
    "兒黨蘭關興茲養獸內岡冊寫軍農馮沖決況凍凈涼減湊凜幾鳳憑凱擊鑿劃劉則剛創刪別剎劑剮劍剝劇勸辦務動勵勁勞勢勛匯區醫華協單賣"
    "盧衛卻廠廳歷厲壓厭縣參雙發變敘葉號嘆嚇嗎啟吳員聽啞響喚喲嚴嘩團園圍國圖圓聖場壞塊堅壇壩墳墜壘墾壽夠夢夾奪奮妝婦媽嬸孫學寧"
    "寶實寵審憲宮寬賓對尋導壽將爾塵嘗層屆屬崗嶼歲豈嶺幣帥師帳帶幫廣莊慶廬庫應廟廢開異棄張彌彎彈強歸當錄徹徑從復徵忄憶懷態憐總"
    "戀惡惱懸驚慘懼慣慮戰戲戶撲執擴掃揚擾撫拋摶搶護報擔擬擁擇撥擠擋攔攜攝擺搖攤擊擷搗據擄擲掙揀損換撈搗撐敵斂數齋斷無舊時曠暢"
    "晝顯晉曬曉暈暫術樸機殺雜權條來楊極構槍樣檔橋樹櫃檢樓棟欄標歡歐殘殼毀毆氣漢湯溝沒淚瀉潔灑滅滬淺濁測濟濃漁漲滲溫灣濕滿濾瀾"
    "災為烏煙熱煥燈爐燒營灶爛牽犧猶獄獨獅獵貓現環璽瓊產畫畢異當療癢發監盜盤蓋眾睜矚礦碼磚礎確禮禍離禿種積稱穩窮竊竄競筆築簽"
    "簡糧糾紀約紅紋納紐純紙級紛組細終經綁結絕統絲給絡續維綜綠網緊緒線練緣編緩緻縮繳績總織繞繩罰羅義習聯聲職聽腦膽臉臘艙艱藝節"
    "芻蘆蘇藥莖萬葉著蔥蝦蟲蠶補裝裡製複襲見規視覽覺觀觸計訂訊討訓託記訪設許訴診詞試詩話該詳誠認誤說請諸課誰調談論證識譯議護讀"
    "變讓貝負財責貢貧貨販貪貫購貯貴費賀賄資賊賈賠賤賣賦質賬賭賴購贈贊趕趙趨躍車軌軟較載輕輛輪輸轄轉轟辦農遞運過達違遠適選遺遼"
    "還邊鄧鄰郵鄭醜醞釋裡針鈔鉤銀銅鋪鋼錢錯鍵鐘鐵鑰長門閃閉問閑間閘閱闊關陽陰陣際陸險隨隱隸雖難雞電霧靈靜韓頁頂項順須預頓領頻"
    "題額顏願顧風飛飯飲飾飽館馬駁駐駕驗騙髮鬆鬧魚鳥鳴鴨鹽麥黃點齊齒龍龜"
)
_SIMP = (
    "与专业东丝两严丧个丰临为丽举么义乌乐乔习乡书买乱争于亏云亚产亩亲亿仅从仓仪们价众优会伞伟传伤伦伪体余佣佥侠侣侩俭债倾偻"
    "儿党兰关兴兹养兽内冈册写军农冯冲决况冻净凉减凑凛几凤凭凯击凿划刘则刚创删别刹剂剐剑剥剧劝办务动励劲劳势勋汇区医华协单卖"
    "卢卫却厂厅历厉压厌县参双发变叙叶号叹吓吗启吴员听哑响唤哟严哗团园围国图圆圣场坏块坚坛坝坟坠垒垦寿够梦夹夺奋妆妇妈婶孙学宁"
    "宝实宠审宪宫宽宾对寻导寿将尔尘尝层届属岗屿岁岂岭币帅师帐带帮广庄庆庐库应庙废开异弃张弥弯弹强归当录彻径从复征忄忆怀态怜总"
    "恋恶恼悬惊惨惧惯虑战戏户扑执扩扫扬扰抚抛抟抢护报担拟拥择拨挤挡拦携摄摆摇摊击撷捣据掳掷挣拣损换捞捣撑敌敛数斋断无旧时旷畅"
    "昼显晋晒晓晕暂术朴机杀杂权条来杨极构枪样档桥树柜检楼栋栏标欢欧残壳毁殴气汉汤沟没泪泻洁洒灭沪浅浊测济浓渔涨渗温湾湿满滤澜"
    "灾为乌烟热焕灯炉烧营灶烂牵牺犹狱独狮猎猫现环玺琼产画毕异当疗痒发监盗盘盖众睁瞩矿码砖础确礼祸离秃种积称稳穷窃窜竞笔筑签"
    "简粮纠纪约红纹纳纽纯纸级纷组细终经绑结绝统丝给络续维综绿网紧绪线练缘编缓致缩缴绩总织绕绳罚罗义习联声职听脑胆脸腊舱艰艺节"
    "刍芦苏药茎万叶著葱虾虫蚕补装里制复袭见规视览觉观触计订讯讨训托记访设许诉诊词试诗话该详诚认误说请诸课谁调谈论证识译议护读"
    "变让贝负财责贡贫货贩贪贯购贮贵费贺贿资贼贾赔贱卖赋质账赌赖购赠赞赶赵趋跃车轨软较载轻辆轮输辖转轰办农递运过达违远适选遗辽"
    "还边邓邻邮郑丑酝释里针钞钩银铜铺钢钱错键钟铁钥长门闪闭问闲间闸阅阔关阳阴阵际陆险随隐隶虽难鸡电雾灵静韩页顶项顺须预顿领频"
    "题额颜愿顾风飞饭饮饰饱馆马驳驻驾验骗发松闹鱼鸟鸣鸭盐麦黄点齐齿龙龟"
)
assert len(_TRAD) == len(_SIMP), (len(_TRAD), len(_SIMP))

_TABLE: dict[int, str] = {ord(t): s for t, s in zip(_TRAD, _SIMP, strict=True) if t != s}
# Ideographic space, full-width punctuation handled by NFKC; keep Chinese punctuation
# that NFKC leaves alone but map a few look-alikes to one form.
_TABLE.update({ord("\u3000"): " ", ord("\u00a0"): " ", ord("\u200b"): "", ord("\ufeff"): ""})

# The entries that keep a text's length, for finding offsets into the original text.
SAME_LENGTH_TABLE: dict[int, str] = {k: v for k, v in _TABLE.items() if len(v) == 1}

_TAG = re.compile(r"<[^>]{0,200}>")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LETTER = re.compile(r"[A-Za-z]")


def to_str(value: object) -> str:
    """Any value as a ``str``; ``None`` becomes empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except Exception:  # pragma: no cover - objects with a broken __str__
        return ""


def clip(text: str, limit: int = MAX_CHARS) -> str:
    """Keep the head and the tail of an over-long text."""
    if len(text) <= limit:
        return text
    tail = limit - HEAD_CHARS
    return text[:HEAD_CHARS] + "…" + text[-tail:]


def normalise(value: object, limit: int = MAX_CHARS) -> str:
    """Clip, decode HTML, strip tags, NFKC (full→half width), traditional→simplified,
    lower-case Latin letters and collapse white space."""
    text = to_str(value)
    # Clip generously before the costly steps, then precisely after them.
    text = clip(text, limit * 2)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_TABLE)
    text = _CONTROL.sub("", text)
    text = _SPACE.sub(" ", text).strip().lower()
    # Lone surrogates cannot be encoded later (JSON, DB): drop them.
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("", text)
    return clip(text, limit)


def join_fields(title: object, text: object, limit: int = MAX_CHARS) -> str:
    """Title and text as one normalised document (the title first: it names the matter)."""
    t = normalise(title, 300)
    body = normalise(text, limit)
    if t and body:
        return f"{t}。{body}"
    return t or body


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def letter_count(text: str) -> int:
    return len(_LETTER.findall(text))
