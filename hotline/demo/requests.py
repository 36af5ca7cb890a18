"""Citizens' requests for the demo history, keyed by duty, with where each one goes.

A ``Request`` says what the citizen says (title and text templates), how the centre
classifies it (type, topic from ``hotline/triage/data/taxonomy.csv``, urgency), which
units handle it (``routes``) and what they report back (``results``).

Routes are written as slash-separated hops, resolved against the demo org tree for the
place of the request (see ``history.Router``):

- ``ZJJ`` the county bureau ZJJ (``Qnn-ZJJ``); ``Q:YBJ`` the prefecture bureau (``Q-YBJ``)
- ``C`` the county government, ``T`` the township government of the place
- after a bureau: ``@`` its station in the township (``Qnn-GAJ-mm``), or an agency key
  (``ZJJ/SZS`` → ``Qnn-ZJJ-SZS``); after ``T``: ``V`` the village, or an office key
  (``T/JSB`` → ``Qnn-mm-JSB``); after ``V``: ``G`` its first grid.

The first hop is the dispatch, each further hop a 下派 (sub-dispatch). A hop that does
not exist at the chosen scale is dropped (the unit above handles it itself).

Placeholders: {addr} {county} {town} {village} {road} {estate} {days} {months} {amount}
{company} {n} {bus} {school}.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GOV, POLICE, CONSULT, SUGGEST, COMPLAINT, SOCIAL = "政务类", "警务类", "咨询类", "意见建议类", "投诉类", "综治类"


@dataclass(frozen=True)
class Request:
    duty: str
    title: str
    text: str
    type: str
    topic: str
    routes: tuple[str, ...]
    results: tuple[str, ...]
    urgency: str = "一般"
    emotions: tuple[str, ...] = ("平静", "焦虑", "不满")
    assist: tuple[str, ...] = field(default=())


R = Request

REQUESTS: list[Request] = [
    R("路灯", "路灯不亮", "{addr}附近的{n}盏路灯已经坏了{days}天,晚上一片漆黑,老人小孩出行很不安全,请尽快维修。",
      COMPLAINT, "城乡建设 / 市政设施 / 路灯", ("ZJJ/SZS", "T/JSB", "ZJJ"),
      ("经现场核查,系线路老化导致{n}盏路灯不亮,已更换电缆和灯头,现已恢复照明。",
       "已安排市政维修人员更换损坏灯具,路灯已恢复正常。")),  # fmt: skip
    R("道路", "路面坑洼", "{county}{road}靠近{estate}路段路面坑洼不平,下雨天积水严重,已经有电动车摔倒,请相关部门修补。",
      COMPLAINT, "城乡建设 / 市政设施 / 道路维修", ("ZJJ/SZS", "ZJJ", "JTJ"),
      ("已组织施工队对破损路面进行修补,共修补坑槽{n}处。", "该路段已纳入道路改造计划,临时修补已完成。")),  # fmt: skip
    R("排水", "下水道堵塞", "{addr}门口下水道堵塞好几天了,污水漫到路面,臭气熏天,请尽快疏通。",
      COMPLAINT, "城乡建设 / 市政设施 / 井盖与排水", ("ZJJ/SZS", "T/HWS", "ZJJ"),
      ("已安排疏通车对管道进行疏通,污水已排除。",), urgency="紧急"),  # fmt: skip
    R("供水", "停水", "{addr}从昨天开始停水,没有任何通知,家里老人做饭喝水都成问题,请问什么时候恢复供水?",
      COMPLAINT, "城乡建设 / 市政设施 / 供水", ("ZLS/YYS1", "ZLS/@", "ZLS", "SWJ/@", "ZJJ"),
      ("经查系主管道爆裂抢修停水,已于当日{n}时恢复供水,并已在小区张贴停水告知。",
       "已完成管道抢修,供水恢复正常,今后计划停水将提前发布通知。"), urgency="紧急"),  # fmt: skip
    R("供水", "水压太低", "{estate}高层住户水压太低,一到晚上{n}点以后就没水,已经持续{months}个月了。",
      COMPLAINT, "城乡建设 / 市政设施 / 供水", ("ZLS", "ZJJ/WYB", "ZJJ"),
      ("经检测,系小区二次供水加压泵故障,已督促物业维修,水压已恢复。",)),  # fmt: skip
    R("供电", "频繁停电", "{addr}这个月已经停电{n}次了,每次好几个小时,冰箱里的东西都坏了,请供电部门查明原因。",
      COMPLAINT, "城乡建设 / 市政设施 / 供电与燃气", ("GDJ/@", "GDJ"),
      ("经排查,系台区变压器过载,已增容改造,供电已恢复稳定。",), urgency="紧急"),  # fmt: skip
    R("燃气", "燃气异味", "{addr}楼道里有很重的燃气味,担心漏气,请燃气公司尽快派人来检查。",
      GOV, "城乡建设 / 市政设施 / 供电与燃气", ("RQG", "ZJJ"),
      ("燃气公司抢修人员已到场检测,系表前阀门松动,已紧固处理,无泄漏。",), urgency="特急",
      emotions=("焦虑",)),  # fmt: skip
    R("物业", "物业不作为", "{estate}物业公司收了物业费却不管事,电梯坏了{days}天没人修,垃圾也没人清理,业主意见很大。",
      COMPLAINT, "城乡建设 / 物业管理 / 物业服务", ("ZJJ/WYB", "ZJJ", "T"),
      ("已约谈物业公司负责人,电梯已修复,并督促其整改保洁服务。",), emotions=("不满", "愤怒")),  # fmt: skip
    R("房屋", "延期交房", "我在{county}{estate}买的房子合同约定去年交房,到现在还没交房,开发商一直推脱,请住建部门督促。",
      COMPLAINT, "城乡建设 / 住房保障与房地产 / 商品房质量与销售", ("ZJJ",),
      ("已约谈开发企业,企业承诺{n}个月内完成交付,我局将跟踪督促。",), emotions=("不满", "愤怒")),  # fmt: skip
    R("违建", "违章搭建", "{addr}有住户在楼顶私自搭建彩钢房,存在安全隐患,也影响其他住户,请城管部门处理。",
      COMPLAINT, "城乡建设 / 城乡规划 / 违章建筑", ("CGJ/ZD1", "CGJ/@", "T/ZFD", "T/JSB", "CGJ"),
      ("经现场核实属违法建设,已下达限期拆除通知书,当事人已自行拆除。",), assist=("ZRJ",)),  # fmt: skip
    R("占道", "占道经营", "{county}{road}菜市场门口每天早上都有流动摊贩占道经营,车辆和行人都过不去,请城管管理。",
      COMPLAINT, "城乡建设 / 城市管理 / 占道经营", ("CGJ/ZD1", "CGJ/@", "T/ZFD", "CGJ"),
      ("已安排执法中队加强早市巡查,劝导摊贩进入市场规范经营。",)),  # fmt: skip
    R("环卫", "垃圾无人清运", "{addr}的垃圾桶已经满了{days}天没人清运,苍蝇蚊子很多,臭味很大。",
      COMPLAINT, "城乡建设 / 城市管理 / 市容环卫", ("CGJ/HWS", "T/HWS", "T/V", "CGJ"),
      ("已安排环卫车辆清运,并调整该点位清运频次为每日两次。",)),  # fmt: skip
    R("施工", "夜间施工扰民", "{addr}旁边的工地每天晚上十一点以后还在施工,打桩声音很大,根本睡不着觉。",
      COMPLAINT, "城乡建设 / 建筑施工 / 施工扰民", ("ZJJ", "CGJ/ZD1", "STJ"),
      ("已责令施工单位停止夜间施工,确需连续作业的须办理夜间施工许可并公示。",),
      emotions=("不满", "愤怒")),  # fmt: skip
    R("噪音", "噪音扰民", "{addr}楼下的烧烤店和KTV每天营业到凌晨,音响声音很大,严重影响休息,请相关部门管一管。",
      COMPLAINT, "环境保护 / 环境污染 / 噪声污染", ("GAJ/@", "CGJ/ZD1", "T/ZZB"),
      ("民警已上门对经营者进行教育,要求其晚十点后降低音量,将持续跟踪。",),
      emotions=("不满", "愤怒")),  # fmt: skip
    R("污染", "工厂排污", "{town}{village}附近的工厂晚上偷偷往河里排黑水,河水发臭,鱼都死了,请环保部门查处。",
      COMPLAINT, "环境保护 / 环境污染 / 水污染", ("STJ", "Q:STJ"),
      ("经执法人员夜间突击检查并取样监测,该企业存在超标排放行为,已立案查处并责令停产整改。",),
      urgency="紧急"),  # fmt: skip
    R("污染", "烟尘污染", "{addr}附近有一家砖厂每天冒黑烟,呛得人喘不过气,窗户都不敢开。",
      COMPLAINT, "环境保护 / 环境污染 / 大气污染", ("STJ", "T/AJZ"),
      ("已对该企业开展执法检查,责令其完善除尘设施,整改完成前停止生产。",)),  # fmt: skip
    R("工资", "拖欠工资", "我在{county}{company}的工地干活,老板拖欠我们{n}个工人{months}个月工资共{amount}元,一直不给,请帮忙讨薪。",
      COMPLAINT, "劳动和社会保障 / 劳动关系 / 拖欠工资", ("RSJ/JCD", "RSJ", "Q:RSJ"),
      ("经劳动保障监察大队协调,施工企业已将拖欠的{amount}元工资全部支付到位。",
       "已对该企业立案调查,目前已督促企业支付部分工资,剩余款项约定月底前结清。"),
      urgency="紧急", emotions=("焦虑", "愤怒")),  # fmt: skip
    R("社保", "养老保险补缴", "我以前在{company}上班,有{n}年养老保险没交,现在想补缴,请问能不能补、怎么补?",
      CONSULT, "劳动和社会保障 / 社会保险 / 养老保险", ("RSJ/SBJ", "RSJ", "T/SBZ"),
      ("已电话告知市民补缴政策及所需材料,市民表示清楚。",), emotions=("平静",)),  # fmt: skip
    R("医保", "医保报销慢", "我母亲在州人民医院住院的费用{amount}元,交了报销材料{months}个月了还没报下来,请问是什么原因?",
      GOV, "劳动和社会保障 / 社会保险 / 医疗保险", ("YBJ/YBZ", "YBJ", "Q:YBJ"),
      ("经核查,因材料缺少出院小结延误,已指导市民补齐,报销款已拨付。",)),  # fmt: skip
    R("入学", "孩子入学", "我家住在{addr},孩子今年上一年级,划片的学校说学位满了,让我们去很远的学校,希望教育局协调就近入学。",
      GOV, "教育文体 / 基础教育 / 入学招生", ("JYJ", "JYJ/@"),
      ("经核实市民符合划片入学条件,已协调学校安排入学。", "已向市民解释学区划分政策,并协调安排至就近学校。"),
      emotions=("焦虑", "不满")),  # fmt: skip
    R("教育", "学校乱收费", "{school}要求每个学生交{amount}元资料费和校服费,说是自愿但不交不行,请教育局查一查。",
      COMPLAINT, "教育文体 / 基础教育 / 教育收费", ("JYJ", "JYJ/@"),
      ("经调查,学校代收资料费未履行公示程序,已责令退还并通报批评。",)),  # fmt: skip
    R("医疗", "医院服务态度", "昨天在{county}人民医院看急诊,等了{n}个小时没人管,护士态度很差,请卫健部门处理。",
      COMPLAINT, "卫生计生 / 医疗服务 / 医院管理", ("WJJ/RMY", "WJJ"),
      ("已约谈医院负责人,对当班人员进行批评教育,并优化急诊分诊流程。",), emotions=("不满", "愤怒")),  # fmt: skip
    R("医疗", "疫苗接种", "{town}卫生院什么时候能打HPV疫苗?网上预约一直约不上。",
      CONSULT, "卫生计生 / 公共卫生 / 疫苗与防疫", ("WJJ/@", "WJJ"),
      ("已告知市民预约方式及到苗时间,市民表示满意。",), emotions=("平静",)),  # fmt: skip
    R("食品", "食品安全", "今天在{county}{road}一家饭店吃饭,吃出了异物,全家人吃完都拉肚子,请市场监管部门查处。",
      COMPLAINT, "卫生计生 / 食品药品监管 / 食品安全", ("SCJ/@", "SCJ/ZFD", "SCJ"),
      ("执法人员已对该饭店进行检查,责令停业整改,并协调商家赔偿市民医疗费用。",),
      urgency="紧急", emotions=("不满", "愤怒")),  # fmt: skip
    R("消费", "消费纠纷", "我在{county}{company}办了{amount}元的健身卡,现在店铺关门老板跑路了,要求退费。",
      COMPLAINT, "商贸旅游 / 市场监管 / 消费维权", ("SCJ/@", "SCJ"),
      ("已登记为消费投诉,经调解经营者已同意分期退还剩余费用。",)),  # fmt: skip
    R("价格", "价格欺诈", "{town}农贸市场有商贩缺斤短两,买{n}斤肉回家称只有不到{n}斤,请查处。",
      COMPLAINT, "商贸旅游 / 市场监管 / 价格监管", ("SCJ/@", "SCJ"),
      ("已对市场内计量器具进行检查,没收不合格电子秤{n}台。",)),  # fmt: skip
    R("公交", "公交线路", "{estate}小区有几千户居民,附近没有公交站,上班很不方便,建议开通或延伸{bus}路公交。",
      SUGGEST, "交通运输 / 公共交通 / 公交线路", ("JTJ/GJC", "JTJ"),
      ("已将建议纳入公交线网优化方案,经客流调查后拟于下月延伸{bus}路公交。",), emotions=("平静",)),  # fmt: skip
    R("公交", "公交司机态度", "{bus}路公交车司机不等老人坐稳就猛开,还骂人,请公交公司处理。",
      COMPLAINT, "交通运输 / 公共交通 / 公交服务", ("JTJ/GJC", "JTJ"),
      ("已对涉事驾驶员停岗培训,并向市民致歉。",)),  # fmt: skip
    R("出租", "出租车拒载", "在{county}客运站打出租车,司机拒载还要求拼车加价,车牌号已记下。",
      COMPLAINT, "交通运输 / 出租与网约车 / 出租车管理", ("JTJ/YGS", "JTJ"),
      ("经调取车载视频核实,已对驾驶员作出处罚。",)),  # fmt: skip
    R("交通", "乱停车", "{addr}门口的消防通道每天被私家车堵死,万一着火消防车都进不来。",
      COMPLAINT, "交通运输 / 交通设施 / 交通设施与停车", ("GAJ/JJD1", "GAJ", "XFD"),
      ("交警已对违停车辆进行处罚,并施划禁停标线。",)),  # fmt: skip
    R("公路", "农村公路损毁", "{town}到{village}的通村公路被山体滑落的石头堵了一半,车辆通行很危险。",
      GOV, "交通运输 / 道路建设 / 公路建设", ("JTJ", "T/AJZ", "GLD"),
      ("已组织人员清理落石并设置警示标志,道路已恢复通行。",), urgency="紧急"),  # fmt: skip
    R("低保", "低保申请", "我家老人八十多岁,身体不好没有收入,想申请低保,村里说名额满了,请问怎么办?",
      GOV, "民政 / 社会救助 / 低保与救助", ("T/SHB", "MZJ", "T/V"),
      ("经入户调查,已按程序受理低保申请,正在公示。",), emotions=("焦虑",)),  # fmt: skip
    R("养老", "高龄补贴", "我父亲今年八十{n}岁了,高龄补贴从去年开始就没有发了,请问是什么原因?",
      CONSULT, "民政 / 社会福利 / 养老与残疾人服务", ("T/SHB", "MZJ"),
      ("经核查因年审信息未更新导致停发,已补办手续并补发。",), emotions=("平静",)),  # fmt: skip
    R("农业", "惠农补贴", "{village}的耕地地力保护补贴今年还没发到我们手上,别的村都发了。",
      GOV, "农村农业 / 惠农政策 / 惠农补贴", ("T/NYB", "NYJ", "T/V"),
      ("经核实系银行账户信息错误,已更正并补发。",)),  # fmt: skip
    R("纠纷", "邻里纠纷", "{village}邻居家修房子占了我家的宅基地,多次协商不成,差点打起来,请村里和镇里调解。",
      SOCIAL, "政法 / 法律服务 / 法律援助与调解", ("T/V", "T/ZZB", "SFJ/@"),
      ("经村调委会和司法所联合调解,双方达成协议,重新确定界址。",), emotions=("不满", "愤怒")),  # fmt: skip
    R("土地", "违法占地", "{town}{village}有人在基本农田上建房子,已经打好地基了,请国土部门制止。",
      COMPLAINT, "国土资源 / 土地管理 / 土地征收与利用", ("ZRJ/@", "ZRJ", "T"),
      ("已下达停止违法行为通知书,当事人已停止施工并恢复耕种条件。",), assist=("CGJ",)),  # fmt: skip
    R("不动产", "房产证办理", "{estate}交房{n}年了房产证还办不下来,开发商说在走流程,请问到底卡在哪里?",
      CONSULT, "城乡建设 / 住房保障与房地产 / 房产证办理", ("ZRJ/BDC", "ZRJ", "ZJJ"),
      ("经查系开发企业未完成竣工验收备案,已督促企业限期完成,届时可集中办证。",)),  # fmt: skip
    R("安全", "安全隐患", "{addr}有一家小作坊储存了大量液化气罐,周围都是居民楼,安全隐患很大。",
      GOV, "城乡建设 / 建筑施工 / 工程质量与安全", ("YJJ", "XFD", "T/AJZ"),
      ("已联合消防部门检查,依法查扣液化气罐{n}个,责令停止经营。",), urgency="紧急"),  # fmt: skip
    R("政务", "办事难", "在{county}政务服务大厅办营业执照,来回跑了{n}趟材料都没收齐,窗口每次只说一点。",
      COMPLAINT, "党务政务 / 政务服务 / 政务服务与效能", ("ZWJ", "SCJ"),
      ("已约谈窗口负责人,推行一次性告知制度,并帮助市民当日办结。",), emotions=("不满",)),  # fmt: skip
    R("通信", "手机没信号", "{village}手机信号很差,打电话要爬到山上,希望增建基站。",
      SUGGEST, "科技与信息产业 / 通信 / 电信服务", ("YDG", "GXJ", "T"),
      ("已将该村纳入年度基站建设计划。",), emotions=("平静",)),  # fmt: skip
    R("林业", "乱砍滥伐", "{village}后山有人在砍树往外运,不知道有没有采伐证。",
      GOV, "农村农业 / 水利林业 / 水利与林业", ("LYJ/@", "LYJ", "T/NYB"),
      ("经核查当事人无采伐许可,已立案查处并责令补种。",)),  # fmt: skip
]

# Consultations the operator answers on the spot from the knowledge base.
ANSWERABLE: list[tuple[str, str, str, str]] = [
    ("社保卡补办", "我的社保卡丢了,请问怎么补办?", "劳动和社会保障 / 社会保险 / 养老保险",
     "携带身份证到任一社保经办网点或合作银行网点即可挂失补办,也可在“青山人社”小程序办理。"),  # fmt: skip
    ("公积金提取", "租房可以提取住房公积金吗?需要什么材料?", "城乡建设 / 住房保障与房地产 / 住房公积金",
     "无房职工租房可按月或按年提取,凭身份证在公积金中心网厅或App申请,无需租房合同。"),  # fmt: skip
    ("居住证办理", "外地户口在这边工作,怎么办居住证?", "政法 / 公安管理 / 户籍证件",
     "连续居住半年以上,携带身份证、居住证明到居住地派出所或社区警务室申领。"),  # fmt: skip
    ("异地就医备案", "去外省看病怎么办理医保异地就医备案?", "劳动和社会保障 / 社会保险 / 医疗保险",
     "可通过国家医保服务平台App或“青山医保”公众号线上备案,即时生效。"),  # fmt: skip
    ("身份证办理", "身份证快过期了,在哪里换?要多久?", "政法 / 公安管理 / 户籍证件",
     "携带旧证到任一派出所户籍窗口办理,约15个工作日可领取,可选择邮寄到家。"),  # fmt: skip
    ("不动产登记时间", "不动产登记中心周末上班吗?", "党务政务 / 政务服务 / 政务服务与效能",
     "州、县不动产登记中心周六上午提供预约服务,可在政务服务网预约。"),  # fmt: skip
    ("新生儿医保", "刚出生的孩子怎么参加城乡居民医保?", "劳动和社会保障 / 社会保险 / 医疗保险",
     "出生后凭出生医学证明在户籍所在地乡镇(街道)社保服务中心或线上办理参保。"),  # fmt: skip
]

# Police matters handed to 110.
POLICE: list[tuple[str, str]] = [
    ("有人打架", "{addr}门口有好几个人在打架,有人受伤了,快来人!"),
    ("电动车被盗", "我停在{estate}楼下的电动车昨晚被偷了,有监控。"),
    ("疑似诈骗", "有人冒充公安打电话让我把钱转到安全账户,我已经转了{amount}元。"),
    ("家暴求助", "{addr}邻居家一直有人哭喊,好像在打老婆孩子。"),
]

# Calls the centre does not accept.
REJECTS: list[tuple[str, str, str]] = [
    ("无效来电", "喂?喂?……(无声)", "test_or_silent"),
    ("骚扰电话", "(来电人反复辱骂话务员,无具体诉求)", "harassment"),
    ("无实质内容", "你们这个热线有什么用,我就是想问问", "nonsense"),
    ("不属政务范围", "帮我查一下明天的彩票开奖号码", "out_of_scope"),
    ("不合理诉求", "要求政府给我家每个月发五千块钱生活费,不然就天天打电话", "unreasonable"),
]

COMPANIES = "宏达建筑劳务 鑫源商贸 青山德邦物流 金鼎建设 盛世装饰工程 力行健身 美佳乐超市 鸿运餐饮 兴旺电子厂 青阳茶业".split()
SCHOOLS = "实验小学 第二中学 民族中学 城南小学 第一幼儿园 育才中学".split()

RETURN_REASONS = [
    "经核实,事发地不在我单位辖区,请改派属地。",
    "该事项不属于我单位职责范围,建议派{right}办理。",
    "诉求地址不详,无法核实,请补充后改派。",
]
OVERRULE_REASONS = ["经核实,该事项属贵单位职责,请继续办理。", "事发地在贵单位辖区,退单理由不成立。"]
EXTENSION_REASONS = ["需协调多个部门共同处理,申请延期。", "需等待检测报告结果,申请延期。", "涉及资金审批,流程较长。"]
SUSPEND_REASONS = ["等待市民补充材料。", "涉及司法程序,待法院判决。", "需待雨季过后方可施工。"]
REVIEW_FAIL = ["办理结果过于简单,未说明具体处理措施,请补充。", "未与市民联系核实,请回复市民后重新反馈。"]
DISSATISFIED_NOTES = ["市民表示问题仍未解决。", "市民称处理人员未到现场。", "市民对处理结果不认可,要求重新处理。"]
URGE_NOTES = ["该件临近时限,请加快办理。", "市民多次来电催问,请尽快处理。"]
SUPERVISE_NOTES = ["该件已超时,列入督办,请于两个工作日内反馈。", "市民重复投诉,请单位负责人亲自督办。"]
