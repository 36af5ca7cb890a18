"""The starter knowledge base: common questions a 12345 centre answers on the spot.

Loaded by migration ``0002_seed`` and by ``hotline kb seed`` (which adds only what is
missing, by title). Figures and procedures are the usual national practice; each centre
edits them to its local rules in the admin or on /kb/manage/.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from hotline import clock
from hotline.knowledge.search import article_weights, index_article

ARTICLES: list[dict[str, str]] = [
    {
        "category": "社会保障",
        "title": "社保卡丢失或损坏如何补办",
        "keywords": "社保卡 补办 挂失 换卡 社会保障卡 丢失",
        "body": "社会保障卡遗失后,请先拨打12333或通过“电子社保卡”、合作银行网点办理临时挂失。"
        "补办可携带本人有效身份证件到任一社保卡合作银行网点或人社服务大厅申请,现场即时制卡的网点当场领取;"
        "非即时制卡一般10个工作日内可领取。因损坏换卡的请携带旧卡。补卡工本费按当地规定收取,"
        "低保、特困人员等可申请减免。代办需提供代办人和本人的身份证件原件。",
    },
    {
        "category": "住房公积金",
        "title": "住房公积金提取条件和办理方式",
        "keywords": "公积金 提取 购房 租房 退休 离职 住房公积金",
        "body": "职工购买、建造、翻建、大修自住住房,偿还购房贷款本息,租房自住,离休退休,"
        "完全丧失劳动能力并与单位终止劳动关系,出境定居等情形可申请提取住房公积金。"
        "办理渠道:住房公积金管理中心服务大厅、网上办事大厅、手机公积金APP。"
        "租房提取一般每年可办理一次,额度按当地标准执行;偿还贷款提取可签订按月委托提取协议。"
        "需要材料:身份证、银行卡及对应情形的证明(购房合同、贷款合同、租赁备案等)。",
    },
    {
        "category": "户籍证照",
        "title": "居住证办理条件和所需材料",
        "keywords": "居住证 办理 流动人口 暂住 积分",
        "body": "离开常住户口所在地,到本地居住半年以上,且有合法稳定就业、合法稳定住所或连续就读条件之一的,"
        "可申领居住证。请先到居住地派出所或社区警务室办理居住登记,满半年后携带身份证、"
        "近期免冠照片及住所、就业或就读证明材料申领。居住证每年签注一次,"
        "持证人可享受义务教育、基本公共就业服务、基本公共卫生服务等。制证时限一般为15个工作日。",
    },
    {
        "category": "医疗保障",
        "title": "新生儿如何参加城乡居民医保",
        "keywords": "新生儿 医保 参保 城乡居民医保 出生 婴儿",
        "body": "新生儿在出生后90日内办理参保登记并缴纳当年度城乡居民医保费的,自出生之日起享受医保待遇。"
        "可通过“出生一件事”联办,或携带出生医学证明、户口簿到户籍所在地乡镇(街道)便民服务中心、"
        "医保经办窗口办理,部分地区支持微信“医保服务”线上办理。父母一方为本地参保人员的,"
        "新生儿可在父母参保地参保。",
    },
    {
        "category": "不动产",
        "title": "不动产登记(房产证)办理流程",
        "keywords": "不动产 登记 房产证 不动产权证 过户 产权",
        "body": "不动产登记包括首次登记、转移登记(买卖、继承、赠与)、变更登记、抵押登记等。"
        "请携带身份证明、不动产权属来源材料(购房合同、完税凭证等)到不动产登记中心综合窗口申请,"
        "实行“一窗受理、并行办理”。一般登记5个工作日内办结,抵押登记、查封登记等可当日办结。"
        "可先通过不动产登记网上办事平台预约和预审,减少跑腿。",
    },
    {
        "category": "市场监管",
        "title": "个体工商户营业执照如何办理",
        "keywords": "个体户 营业执照 个体工商户 注册 开店 小店 登记",
        "body": "个体工商户登记可通过政务服务网“企业开办一网通办”平台线上申请,也可到县市区政务服务中心市场监管窗口办理。"
        "所需材料:经营者身份证、经营场所使用证明(房产证或租赁合同)、个体工商户登记申请书。"
        "材料齐全、符合法定形式的,一般当场或1个工作日内核发营业执照,不收取费用。"
        "从事食品经营等许可事项的,还需办理相应许可证。",
    },
    {
        "category": "教育",
        "title": "义务教育阶段新生入学报名",
        "keywords": "入学 报名 小学 初中 义务教育 学位 招生 划片",
        "body": "义务教育实行免试就近入学,公办学校按学区划片招生。每年春季教育部门公布招生方案,"
        "适龄儿童(当年8月31日前满6周岁)家长按通知时间通过招生报名平台或到学校报名。"
        "一般需提供户口簿、房产证明或租赁备案证明;随迁子女还需提供居住证、父母就业证明等。"
        "具体时间和划片范围以当地教育局公告为准。",
    },
    {
        "category": "社会保障",
        "title": "养老保险关系跨省转移接续",
        "keywords": "养老保险 转移 接续 跨省 社保转移 外省 转到 转出 转入 城镇职工",
        "body": "参保人员跨省流动就业的,其基本养老保险关系可随同转移。请向新就业地社保经办机构提出转移接续申请,"
        "也可通过国家社会保险公共服务平台、掌上12333 APP或电子社保卡线上申请,无需回原参保地。"
        "新参保地受理后与原参保地经办机构办理转移,全程一般不超过45个工作日。"
        "转移时个人账户储存额全额转移,统筹基金按规定比例转移。",
    },
    {
        "category": "医疗保障",
        "title": "生育津贴申领条件和材料",
        "keywords": "生育津贴 生育保险 产假 申领 报销",
        "body": "参加职工基本医疗保险(生育保险)的女职工,按规定享受产假期间的生育津贴。"
        "一般由用人单位在分娩或手术后一年内向医保经办机构申领,需提供身份证、出生医学证明、"
        "住院病历或诊断证明等。生育津贴按用人单位上年度职工月平均工资除以30再乘以产假天数计发。"
        "灵活就业人员参保的按当地规定执行。",
    },
    {
        "category": "就业创业",
        "title": "失业登记和失业保险金申领",
        "keywords": "失业登记 失业保险金 失业金 领取 就业困难",
        "body": "在法定劳动年龄内、有劳动能力和就业愿望的失业人员,可在常住地公共就业服务机构办理失业登记,"
        "也可通过人社部门网上服务平台办理。符合条件(非因本人意愿中断就业、失业前缴纳失业保险满一年、"
        "已办理失业登记并有求职要求)的,可申领失业保险金,期间同时享受职业介绍、技能培训等服务,"
        "并由失业保险基金代缴基本医疗保险费。",
    },
    {
        "category": "户籍证照",
        "title": "身份证补领、换领和异地办理",
        "keywords": "身份证 补办 换领 到期 丢失 异地办理 临时身份证",
        "body": "居民身份证有效期满、损坏或丢失的,可到户籍所在地或居住地(异地受理)公安机关户政窗口办理换领、补领。"
        "需本人到场采集照片和指纹;补领需填写申请表。一般15至30日内领取,急需使用可同时申请临时居民身份证。"
        "补领、换领收取工本费,丢失后请及时挂失以免被冒用。",
    },
    {
        "category": "户籍证照",
        "title": "新生儿落户(出生登记)",
        "keywords": "落户 出生登记 新生儿 上户口 户口",
        "body": "新生儿应在出生后一个月内办理出生登记。父母一方携带出生医学证明、父母双方身份证、户口簿、"
        "结婚证到户籍所在地派出所办理,多地已推行“出生一件事”一次办,可同时办理医保参保、社保卡申领。"
        "超过期限的也可办理,但可能需要补充材料。",
    },
    {
        "category": "社会保障",
        "title": "城乡居民养老保险缴费和待遇领取",
        "keywords": "城乡居民养老保险 缴费 养老金 领取 新农保 档次",
        "body": "年满16周岁(不含在校学生)、未参加职工基本养老保险的城乡居民,可在户籍地参加城乡居民基本养老保险,"
        "按年缴费,缴费档次自愿选择,多缴多得,政府给予缴费补贴。年满60周岁、累计缴费满15年的,"
        "可按月领取养老金。缴费可通过税务APP、银行或村(社区)协办员办理。",
    },
    {
        "category": "医疗保障",
        "title": "异地就医备案和直接结算",
        "keywords": "异地就医 备案 医保 结算 报销 跨省",
        "body": "参保人员异地长期居住或临时外出就医的,可通过国家医保服务平台APP、微信小程序或参保地医保经办窗口办理异地就医备案,"
        "备案后在就医地定点医疗机构可直接结算。未备案的,可先行垫付后回参保地按规定报销,报销比例可能降低。"
        "急诊抢救视同已备案。",
    },
    {
        "category": "住房公积金",
        "title": "住房公积金贷款申请条件",
        "keywords": "公积金贷款 贷款 购房 住房公积金 额度",
        "body": "连续足额缴存住房公积金满6个月(以当地规定为准),本人及配偶无未还清的公积金贷款,购买自住住房的职工可申请公积金贷款。"
        "贷款额度与账户余额、缴存年限、还款能力和房屋价格相关,最高额度按当地规定执行。"
        "申请需提供身份证、婚姻证明、购房合同、首付款凭证、收入证明等,可在公积金中心或受托银行办理。",
    },
    {
        "category": "就业创业",
        "title": "创业担保贷款申请",
        "keywords": "创业担保贷款 创业贷款 贴息 小微企业 创业",
        "body": "城镇登记失业人员、就业困难人员、退役军人、高校毕业生、返乡创业农民工等符合条件的个人,"
        "可申请创业担保贷款,个人最高额度一般为30万元,期限不超过3年,按规定享受财政贴息。"
        "请携带身份证、营业执照、创业项目材料到当地人社部门或就业创业服务中心申请。",
    },
    {
        "category": "交通出行",
        "title": "机动车驾驶证到期换证",
        "keywords": "驾驶证 换证 到期 驾照 体检 交管12123",
        "body": "机动车驾驶证有效期满前90日内,可通过“交管12123”APP网上申请或到车管所、交警服务站办理换证。"
        "需提交身份证明和县级以上医疗机构出具的身体条件证明(可在网上上传),邮寄或现场领取新证。"
        "在异地居住的,可在居住地直接办理。",
    },
    {
        "category": "城市生活",
        "title": "供水停水和水费问题咨询",
        "keywords": "停水 供水 水费 自来水 水压 漏水",
        "body": "计划停水一般提前24小时在供水企业网站、公众号和小区公告栏发布。突发停水或水压不足的,"
        "可拨打供水企业24小时服务电话报修,12345也会转交供水企业处理。水费查询和缴纳可通过供水企业营业厅、"
        "网上营业厅或银行代扣;对计量有异议的可申请水表校验。",
    },
    {
        "category": "城市生活",
        "title": "噪声扰民投诉处理途径",
        "keywords": "噪声 扰民 施工噪音 夜间施工 广场舞 装修",
        "body": "建筑施工夜间(22时至次日6时)作业须取得夜间施工许可,未经许可的夜间施工噪声由住建或综合执法部门处理;"
        "社会生活噪声(如广场舞、商铺高音喇叭)由公安机关或综合执法部门处理;"
        "工业噪声由生态环境部门处理。正在发生的严重扰民可拨打110,一般诉求可通过12345反映,"
        "请说明具体地点、时间段和噪声来源。",
    },
    {
        "category": "社会保障",
        "title": "最低生活保障(低保)申请",
        "keywords": "低保 最低生活保障 困难群众 救助 申请",
        "body": "共同生活的家庭成员人均收入低于当地低保标准,且家庭财产符合规定的,可向户籍所在地乡镇人民政府(街道办事处)申请低保,"
        "也可由村(居)委会协助提出。乡镇(街道)经家庭经济状况核查、入户调查、民主评议和公示后作出审核确认,"
        "一般在30个工作日内办结。",
    },
    {
        "category": "教育",
        "title": "学生资助政策咨询",
        "keywords": "学生资助 助学金 助学贷款 贫困生 减免",
        "body": "学前教育至研究生教育阶段均有资助政策:义务教育阶段免除学杂费、免费提供教科书,"
        "对家庭经济困难寄宿生补助生活费;普通高中有国家助学金和免学费政策;"
        "大学生可申请生源地信用助学贷款和国家助学金等。具体请联系学校资助中心或县级学生资助管理中心。",
    },
]


# The starter articles' index, as ``article_weights`` makes it, shipped as data so that
# ``hotline migrate`` seeds the knowledge base without loading jieba (a second and a
# hundred megabytes). tests/knowledge checks it against jieba; after editing ARTICLES,
# rewrite it with ``python -c "from hotline.knowledge.seed import write_seed_index as w; w()"``.
SEED_INDEX = Path(__file__).with_name("data") / "seed_index.json"


@functools.cache
def seed_index() -> dict[str, dict[str, float]]:
    """Title → the article's search words and their weights."""
    index: dict[str, dict[str, float]] = json.loads(SEED_INDEX.read_text(encoding="utf-8"))
    return index


def computed_seed_index() -> dict[str, dict[str, float]]:
    return {
        a["title"]: {
            t: round(w, 3) for t, w in sorted(article_weights(a["title"], a["body"], a["keywords"]).items())
        }
        for a in ARTICLES
    }


def write_seed_index() -> None:
    SEED_INDEX.parent.mkdir(exist_ok=True)
    text = json.dumps(computed_seed_index(), ensure_ascii=False, indent=1, sort_keys=True)
    SEED_INDEX.write_text(text + "\n", encoding="utf-8")
    seed_index.cache_clear()


def seed_articles(
    article_model: Any, term_model: Any, owner_unit_id: int | None = None, *, approved: bool = True
) -> int:
    """Create the starter articles that are missing (by title); returns how many were added.

    Takes the models as arguments so the seed migration can pass its historical ones. The
    starter articles count as approved by the centre (the platform ships them); the first
    seed migration, older than approval, passes ``approved=False`` and 0003 approves them."""

    existing = set(article_model.objects.values_list("title", flat=True))
    added = 0
    approval = {"approved_at": clock.now()} if approved else {}
    for spec in ARTICLES:
        if spec["title"] in existing:
            continue
        article = article_model.objects.create(
            published=True, owner_unit_id=owner_unit_id, **approval, **spec
        )
        # Historical models (in migrations) have no custom save(): index explicitly.
        index_article(article, term_model, seed_index()[spec["title"]])
        added += 1
    return added
